package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tlalign.model.NoGrad;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.model.weights.PretrainedWeights;
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
  void anImageOfAnotherSizeIsScoredAsTheModelScoresTheHandCroppedTensor() throws Exception {
    // 28 rows x 30 columns for a 28x28 model with crop_pct 1: no resize, the centre crop keeps
    // columns 1..28, normalised (v / 255 - 0.5) / 0.5 (vit-tiny-fm's data config).
    Path image = pattern(28, 30);
    float[] hand = new float[784];
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        hand[y * 28 + x] = (((7 * y + 3 * (x + 1)) % 256) / 255f - 0.5f) / 0.5f;
      }
    }
    Path weights = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    float[] expected = logitsOf(weights, hand);
    Path missing = dir.resolve("missing.png");
    Path garbage = dir.resolve("garbage.png");
    java.nio.file.Files.write(garbage, new byte[] {1, 2, 3, 4});
    assertThat(
            run(
                "predict",
                "--weights",
                weights.toString(),
                "--logits",
                missing.toString(),
                image.toString(),
                garbage.toString()))
        .isEqualTo(1);
    String[] lines = out.toString().strip().split("\\R");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).isEqualTo("predict: " + missing + " failed: no such file");
    assertThat(lines[2]).startsWith("predict: " + garbage + " failed: not an image format");
    Matcher m = Pattern.compile("logits=(\\S+)").matcher(lines[1]);
    assertThat(lines[1]).startsWith("predict: " + image + " top1=");
    assertThat(m.find()).isTrue();
    String[] parts = m.group(1).split(",");
    assertThat(parts).hasSameSizeAs(expected);
    for (int c = 0; c < parts.length; c++) {
      assertThat(Float.parseFloat(parts[c])).isCloseTo(expected[c], within(1e-5f));
    }
  }

  /** The model's logits for one [1, 28, 28] tensor, through the model directly. */
  @SuppressWarnings("try")
  private static float[] logitsOf(Path weights, float[] pixels) throws Exception {
    io.tlalign.model.EngineSetup.start(io.tlalign.model.EngineOptions.defaults().withThreads(1, 1));
    var loaded = PretrainedWeights.load(weights, VitPresets.VIT_TINY_FM, 0);
    try (TrainingSession s =
            TrainingSession.fromWeights(
                TrainingConfig.defaults(VitPresets.VIT_TINY_FM, 0),
                Device.cpu(),
                loaded.parameters());
        NoGrad ng = NoGrad.enter();
        NDManager sm = s.model().newStepManager()) {
      return s.model()
          .forward(sm.create(pixels, new Shape(1, 1, 28, 28)), false)
          .get(0)
          .toFloatArray();
    }
  }

  @Test
  void badArgumentsNameTheValueAndTheFix() throws Exception {
    Path image = pattern(28, 28);
    Path weights = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    assertThat(run("predict", "--weights", weights.toString(), "--top", "0", image.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--top must be >= 1, got 0");
    assertThat(
            run("predict", "--weights", weights.toString(), "--crop-pct", "1.5", image.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--crop-pct must lie in (0, 1], got 1.5");
  }
}
