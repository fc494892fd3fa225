package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --init-from} refuses weights that cannot be used before anything connects. */
class TrainCommandInitFromTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int train(String... more) {
    String[] base = {
      "train", "--bootstrap-servers", "127.0.0.1:1", "--checkpoint-dir", dir.toUri().toString()
    };
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void aMissingFileIsNamedWithWhatCanBeGiven() {
    Path nope = dir.resolve("nope.safetensors");
    assertThat(train("--init-from", nope.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("--init-from " + nope)
        .contains("does not exist")
        .contains("timm or Hugging Face names");
  }

  @Test
  void anExportNamingAnotherPresetIsRefusedWithThePresetToPass() throws Exception {
    // vit-tiny-fm weights whose config.json (as export writes it) names their preset.
    Path folder = Files.createDirectories(dir.resolve("export"));
    Files.copy(
        Path.of("../model/src/test/resources/weights/vit-tiny-fm-timm.safetensors"),
        folder.resolve("model.safetensors"));
    Files.writeString(
        folder.resolve("config.json"), "{\"architecture\": \"vit_tlalign_vit_tiny_fm\"}");
    assertThat(train("--init-from", folder.toString(), "--model", "deit-tiny")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--init-from " + folder.toAbsolutePath())
        .contains(
            folder.resolve("model.safetensors").toAbsolutePath()
                + " holds a vit-tiny-fm model, but the preset is deit-tiny: pass --model"
                + " vit-tiny-fm");
  }

  @Test
  void weightsOfAnotherArchitectureListWhatIsMissingUnexpectedAndMismatched() {
    Path rgb =
        Path.of("../model/src/test/resources/weights/rgb-small-timm.safetensors").toAbsolutePath();
    assertThat(train("--init-from", rgb.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("do not fit preset vit-tiny-fm")
        .contains("missing [blocks.2.norm1.weight")
        .contains("pos_embed: file shape [1, 13, 48], model shape [1, 50, 64]")
        .contains("... and 12 more]");
  }
}
