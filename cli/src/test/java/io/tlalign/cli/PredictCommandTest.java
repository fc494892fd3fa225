package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.model.weights.Safetensors;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tlalign predict} against the PyTorch reference: vit_reference.py computed the logits of
 * the pattern image (pixel (y, x) = (7 y + 3 x) mod 256) with the fixture weights.
 */
class PredictCommandTest extends CommandLineTest {

  static final Path FIXTURES = Path.of("../model/src/test/resources/weights");

  @TempDir Path dir;

  private Path pattern(int h, int w) throws Exception {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.getRaster().setSample(x, y, 0, (7 * y + 3 * x) % 256);
      }
    }
    Path file = dir.resolve("pattern-" + h + "x" + w + ".png");
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  @Test
  void predictsThePyTorchLogitsOfAnImageFile() throws Exception {
    float[] expected =
        Safetensors.read(FIXTURES.resolve("vit-tiny-fm-io.safetensors"))
            .tensors()
            .get("pattern_logits")
            .data();
    int argmax = 0;
    for (int c = 1; c < expected.length; c++) {
      argmax = expected[c] > expected[argmax] ? c : argmax;
    }
    Path image = pattern(28, 28);
    for (String names : new String[] {"timm", "hf"}) {
      out.getBuffer().setLength(0);
      Path weights = FIXTURES.resolve("vit-tiny-fm-" + names + ".safetensors");
      assertThat(
              run(
                  "predict",
                  "--weights",
                  weights.toString(),
                  "--top",
                  "3",
                  "--logits",
                  image.toString()))
          .as(err.toString())
          .isZero();
      String line = out.toString().strip();
      assertThat(line).startsWith("predict: " + image + " top1=" + argmax + " p=");
      assertThat(line).contains(" top2=").contains(" top3=");
      Matcher m = Pattern.compile("logits=(\\S+)").matcher(line);
      assertThat(m.find()).isTrue();
      String[] parts = m.group(1).split(",");
      assertThat(parts).hasSameSizeAs(expected);
      double max = 0;
      for (int c = 0; c < parts.length; c++) {
        max = Math.max(max, Math.abs(Float.parseFloat(parts[c]) - expected[c]));
      }
      System.out.printf("predict %s names: max |logit - PyTorch| = %.3g%n", names, max);
      assertThat(max).isLessThan(1e-4);
    }
  }

  @Test
  void anImageOfAnotherSizeIsNamedWithTheSizeTheModelTakes() throws Exception {
    Path image = pattern(32, 30);
    Path weights = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    assertThat(run("predict", "--weights", weights.toString(), image.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("image " + image + " is 32x30 but vit-tiny-fm takes 28x28")
        .contains("resize it first");
    assertThat(run("predict", "--weights", weights.toString(), "--top", "0", image.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--top must be >= 1, got 0");
  }
}
