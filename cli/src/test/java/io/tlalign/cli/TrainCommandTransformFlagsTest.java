package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.vit.DataConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code train}'s image transform flags: typed, mapped onto the {@code tlalign.*} options, unset
 * when not given, refused before anything connects when bad.
 */
class TrainCommandTransformFlagsTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private String[] args(String... more) {
    String[] base = {
      "train", "--bootstrap-servers", "127.0.0.1:1", "--checkpoint-dir", dir.toUri().toString()
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  private int train(String... more) {
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args(more));
  }

  /** The job configuration the flags give, parsed as {@code train} parses them. */
  private static Configuration configuration(String... args) {
    TrainCommand cmd = new TrainCommand();
    new CommandLine(cmd).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
    return cmd.configuration();
  }

  @Test
  void flagsSetTheirOptionsAndTheDataConfig() {
    Configuration conf =
        configuration(
            "--bootstrap-servers",
            "h:1",
            "--model",
            "deit-tiny",
            "--scale",
            "0.25,1",
            "--ratio",
            "0.5,2",
            "--hflip",
            "0",
            "--crop-pct",
            "0.9",
            "--interpolation",
            "bilinear",
            "--mean",
            "0.1,0.2,0.3",
            "--std",
            "0.4,0.5,0.6");
    assertThat(conf.get(TlAlignOptions.SCALE)).containsExactly(0.25, 1.0);
    assertThat(conf.get(TlAlignOptions.RATIO)).containsExactly(0.5, 2.0);
    assertThat(conf.get(TlAlignOptions.HFLIP)).isEqualTo(0.0);
    DataConfig d = TrainerSettings.from(conf).data();
    assertThat(d.cropPct()).isEqualTo(0.9);
    assertThat(d.interpolation()).isEqualTo(DataConfig.Interpolation.BILINEAR);
    assertThat(d.mean()).containsExactly(0.1f, 0.2f, 0.3f);
    assertThat(d.std()).containsExactly(0.4f, 0.5f, 0.6f);
  }

  @Test
  void withoutFlagsTheOptionsStayUnsetAndThePresetsDataConfigApplies() {
    Configuration conf = configuration("--bootstrap-servers", "h:1", "--model", "deit-tiny");
    for (var option :
        java.util.List.of(
            TlAlignOptions.SCALE,
            TlAlignOptions.RATIO,
            TlAlignOptions.CROP_PCT,
            TlAlignOptions.INTERPOLATION,
            TlAlignOptions.MEAN,
            TlAlignOptions.STD)) {
      assertThat(conf.getOptional(option)).as(option.key()).isEmpty();
    }
    assertThat(conf.get(TlAlignOptions.HFLIP)).isEqualTo(TlAlignOptions.HFLIP.defaultValue());
    DataConfig d = TrainerSettings.from(conf).data();
    assertThat(d.mean()).containsExactly(0.485f, 0.456f, 0.406f);
    assertThat(d.cropPct()).isEqualTo(0.875);
  }

  @Test
  void badValuesAreRefusedNamingTheFlagTheValueAndTheFix() {
    assertThat(train("--scale", "0.5,0.1")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--scale 0.5,0.1: scale [0.5, 0.1]: need two values 0 < lo <= hi <= 1")
        .contains("e.g. --scale 0.08,1");
    assertThat(train("--hflip", "2")).isEqualTo(2);
    assertThat(err.toString()).contains("--hflip 2.0: hflip 2.0 must lie in [0, 1]");
    assertThat(train("--crop-pct", "1.5")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--crop-pct/--mean/--std for vit-tiny-fm: crop_pct 1.5 must lie in (0, 1]");
    assertThat(train("--mean", "0.1,0.2,0.3")).isEqualTo(2);
    assertThat(err.toString())
        .contains("need one value per channel (1)")
        .contains("one mean and one std > 0 for each of its 1 input channels");
    assertThat(train("--interpolation", "nearest")).isEqualTo(2);
    assertThat(err.toString()).contains("--interpolation").contains("nearest");
    assertThat(train("--ratio", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("--ratio").contains("'x' is not a double");
  }
}
