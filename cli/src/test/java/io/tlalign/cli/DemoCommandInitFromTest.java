package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} and {@code experiment --init-from} refuse unusable weights before it starts a broker
 * or a cluster.
 */
class DemoCommandInitFromTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int demo(String... more) {
    return run("demo", more);
  }

  private int run(String command, String... more) {
    String[] args = new String[more.length + 1];
    args[0] = command;
    System.arraycopy(more, 0, args, 1, more.length);
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void missingOrMismatchedWeightsAreRefusedByName() {
    Path nope = dir.resolve("nope.safetensors");
    assertThat(demo("--init-from", nope.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--init-from " + nope).contains("does not exist");
    Path rgb = Path.of("../model/src/test/resources/weights/rgb-small-timm.safetensors");
    assertThat(demo("--init-from", rgb.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("do not fit preset vit-tiny-fm")
        .contains("missing [blocks.2.norm1.weight");
  }

  @Test
  void aModelFileOfAnotherPresetIsRefusedWithThePresetToPass() throws Exception {
    Path tlas = ModelFiles.vitTinyFm(dir.resolve("model.tlas"));
    assertThat(demo("--init-from", tlas.toString(), "--model", "deit-tiny")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--init-from " + tlas)
        .contains(
            tlas
                + " holds a vit-tiny-fm model, but the preset is deit-tiny: pass --model"
                + " vit-tiny-fm");
    assertThat(run("experiment", "--init-from", tlas.toString(), "--model", "deit-small"))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains(tlas + " holds a vit-tiny-fm model, but the preset is deit-small");
  }

  @Test
  void experimentRefusesThemToo() {
    Path rgb = Path.of("../model/src/test/resources/weights/rgb-small-timm.safetensors");
    assertThat(run("experiment", "--init-from", rgb.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--init-from " + rgb).contains("do not fit preset");
    assertThat(run("experiment", "--init-from", rgb.toString(), "--model", "vit-h")).isEqualTo(2);
    assertThat(err.toString()).contains("--model \"vit-h\" is not a preset");
  }
}
