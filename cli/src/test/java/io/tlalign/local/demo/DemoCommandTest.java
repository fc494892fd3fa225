package io.tlalign.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.cli.CommandLineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad arguments of {@code tlalign demo}: exit 2 and a message naming the value and the fix. */
class DemoCommandTest extends CommandLineTest {

  @TempDir Path dir;

  @Test
  void zeroStepsExitsTwoNamingTheValue() {
    assertThat(run("demo", "--steps", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--steps must be > 0, got 0").contains("try --steps");
  }

  @Test
  void anUnknownMixingExitsTwoNamingTheValue() {
    assertThat(run("demo", "--mixing", "mixup")).isEqualTo(2);
    assertThat(err.toString()).contains("\"mixup\"").contains("none, cutmix, tlalign");
  }

  @Test
  void aMissingDataFolderExitsTwoNamingIt() {
    Path missing = dir.resolve("no-such-folder");
    assertThat(run("demo", "--data", missing.toString())).isEqualTo(2);
    assertThat(err.toString()).contains(missing.toString()).contains("is not a folder");
  }

  @Test
  void aDataFolderOfNeitherLayoutExitsTwoNamingTheAcceptedLayouts() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other"));
    Files.writeString(other.resolve("train.csv"), "label,pixels\n");
    Files.createDirectories(other.resolve("docs"));
    Files.writeString(other.resolve("docs").resolve("readme.txt"), "no images here");

    assertThat(run("demo", "--data", other.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("--data " + other + " holds neither layout the demo reads")
        .contains("train-images-idx3-ubyte.gz")
        .contains(other + "/<class-name>/*.png|jpg|jpeg");
  }

  @Test
  void anUnknownModelExitsTwoListingThePresets() {
    assertThat(run("demo", "--model", "vit-huge")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--model \"vit-huge\" is not a preset")
        .contains("vit-tiny-fm, deit-tiny, deit-small, deit-base");
  }

  @Test
  void aBadLearningRateOrBatchExitsTwoNamingTheValue() {
    assertThat(run("demo", "--lr", "-0.5")).isEqualTo(2);
    assertThat(err.toString()).contains("--lr must be in (0, 1], got -0.5").contains("try --lr");
    assertThat(run("demo", "--batch-size", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--batch-size must be in 1..4096, got 0");
    // The old name still works.
    assertThat(run("demo", "--batch", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--batch-size must be in 1..4096, got 0");
  }

  @Test
  void helpNamesTheLastLine() {
    assertThat(run("demo", "--help")).isZero();
    assertThat(out.toString()).contains("demo: test_accuracy=A");
  }
}
