package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tlalign bench decode} on a tiny setting: every line, and the ratio from them. */
class BenchDecodeCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private static double value(String line, String key) {
    return Double.parseDouble(line.replaceAll(".*" + key + "=(\\S+).*", "$1"));
  }

  @Test
  void printsTheRatesPerCoreAndTheirRatioToTheTrainingRate() {
    int code =
        run(
            "bench",
            "decode",
            "--model",
            "vit-tiny-fm",
            "--width",
            "64",
            "--height",
            "48",
            "--images",
            "2",
            "--records",
            "4",
            "--train-batch",
            "4",
            "--train-steps",
            "1");
    assertThat(code).as("stderr: %s", err).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0))
        .startsWith("decode: jpeg=64x48 quality=0.90 images=2 mean_bytes=")
        .endsWith(" model=vit-tiny-fm input=1x28x28 threads=1");
    double train = 0;
    for (String name : new String[] {"decode_only", "decode_train", "decode_eval"}) {
      String line = lines.stream().filter(l -> l.startsWith(name + ": ")).findFirst().orElseThrow();
      assertThat(line).contains("records=4 ");
      double rate = value(line, "images_per_s_per_core");
      assertThat(rate).isPositive().isFinite();
      if (name.equals("decode_train")) {
        train = rate;
      }
    }
    String training =
        lines.stream().filter(l -> l.startsWith("training: ")).findFirst().orElseThrow();
    assertThat(training).startsWith("training: model=vit-tiny-fm batch=4 steps=1 threads=1");
    double trainingRate = value(training, "images_per_s");
    String last = lines.get(lines.size() - 1);
    assertThat(last).startsWith("decode_train_over_training=");
    assertThat(value(last, "decode_train_over_training"))
        .isCloseTo(train / trainingRate, within(0.05 + 0.01 * train / trainingRate));
  }

  @Test
  void withoutTrainingStepsItSaysHowToMeasureTheTrainingRate() {
    assertThat(
            run(
                "bench",
                "decode",
                "--width",
                "32",
                "--height",
                "24",
                "--images",
                "1",
                "--records",
                "2",
                "--train-steps",
                "0"))
        .as("stderr: %s", err)
        .isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(lines.size() - 1))
        .contains("'./tlalign bench step --model deit-tiny --batch-size 32'");
  }

  @Test
  void badArgumentsExitTwoNamingTheValue() {
    assertThat(run("bench", "decode", "--records", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--records must be > 0, got 0");
    assertThat(run("bench", "decode", "--quality", "1.5")).isEqualTo(2);
    assertThat(err.toString()).contains("--quality must be in (0, 1], got 1.5");
    assertThat(run("bench", "decode", "--model", "vit-huge")).isEqualTo(2);
    assertThat(err.toString()).contains("--model \"vit-huge\" is not a preset");
  }
}
