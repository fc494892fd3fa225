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

  /** {@code predict --weights weights --model vit-tiny-fm more...}: the fixtures' preset. */
  private int predictTiny(Path weights, String... more) {
    String[] base = {"predict", "--weights", weights.toString(), "--model", "vit-tiny-fm"};
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return run(args);
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
    // The three best classes and their probabilities, from PyTorch's logits: softmax by hand.
    double[] p = new double[expected.length];
    double sum = 0;
    for (int c = 0; c < p.length; c++) {
      p[c] = Math.exp(expected[c] - expected[argmax]);
      sum += p[c];
    }
    Integer[] order = new Integer[p.length];
    for (int c = 0; c < p.length; c++) {
      order[c] = c;
      p[c] /= sum;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
    Path image = pattern(28, 28);
    for (String names : new String[] {"timm", "hf"}) {
      out.getBuffer().setLength(0);
      Path weights = FIXTURES.resolve("vit-tiny-fm-" + names + ".safetensors");
      assertThat(predictTiny(weights, "--top", "3", "--logits", image.toString()))
          .as(err.toString())
          .isZero();
      String line = out.toString().strip();
      // The issue's format: top1=<class> p=<p>, then top=<class>:<p>,... (K pairs, best first),
      // then logits=<v0>,<v1>,...
      Matcher f =
          Pattern.compile(
                  Pattern.quote("predict: " + image)
                      + " top1=(\\d+) p=(\\S+) top=(\\d+):(\\S+),(\\d+):(\\S+),(\\d+):(\\S+)"
                      + " logits=\\S+")
              .matcher(line);
      assertThat(f.matches()).as(line).isTrue();
      assertThat(Integer.parseInt(f.group(1))).isEqualTo(argmax);
      assertThat(Double.parseDouble(f.group(2))).isCloseTo(p[argmax], within(1e-4));
      for (int r = 0; r < 3; r++) {
        assertThat(Integer.parseInt(f.group(3 + 2 * r))).as("rank " + r).isEqualTo(order[r]);
        assertThat(Double.parseDouble(f.group(4 + 2 * r)))
            .as("rank " + r)
            .isCloseTo(p[order[r]], within(1e-4));
      }
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
            predictTiny(
                weights, "--logits", missing.toString(), image.toString(), garbage.toString()))
        .isEqualTo(1);
    String[] lines = out.toString().strip().split("\\R");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).isEqualTo("predict: " + missing + " failed: no such file");
    assertThat(lines[2]).startsWith("predict: " + garbage + " failed: not an image format");
    Matcher m = Pattern.compile("logits=(\\S+)").matcher(lines[1]);
    assertThat(lines[1]).startsWith("predict: " + image + " top1=");
    assertThat(lines[1])
        .as("--top 1: no top= field")
        .matches(Pattern.quote("predict: " + image) + " top1=\\d+ p=\\d\\.\\d{4} logits=\\S+");
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

  /** The line's logits. */
  private static String logitsIn(String line) {
    Matcher m = Pattern.compile("logits=(\\S+)").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return m.group(1);
  }

  @Test
  void safetensorsNeedAPresetUnlessTheirExportConfigNamesIt() throws Exception {
    Path image = pattern(28, 28);
    Path weights = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    assertThat(run("predict", "--weights", weights.toString(), image.toString())).isEqualTo(2);
    assertThat(err.toString())
        .contains("safetensors file " + weights + " does not say which preset it is")
        .contains("--model PRESET (one of vit-tiny-fm, deit-tiny, deit-small, deit-base)")
        .contains("config.json");
    assertThat(out.toString()).as("nothing scored").isEmpty();

    assertThat(predictTiny(weights, "--logits", image.toString())).isZero();
    String named = logitsIn(out.toString().strip());
    // An export's folder names its preset in config.json (timm's architecture, or the shape of
    // Hugging Face's ViTConfig), so it needs no --model, and scores the same.
    for (String names : new String[] {"timm", "hf"}) {
      Path folder = dir.resolve("export-" + names);
      assertThat(
              run(
                  "export",
                  "--weights",
                  weights.toString(),
                  "--model=vit-tiny-fm",
                  "--names=" + names,
                  "--to",
                  folder.toString()))
          .as(err.toString())
          .isZero();
      out.getBuffer().setLength(0);
      assertThat(run("predict", "--weights", folder.toString(), "--logits", image.toString()))
          .as(err.toString())
          .isZero();
      assertThat(logitsIn(out.toString().strip())).as(names).isEqualTo(named);
    }
  }

  @Test
  void aModelFileIsScoredWithItsOwnPresetAndAConflictingModelIsRefused() throws Exception {
    Path tlas = ModelFiles.vitTinyFm(dir.resolve("model.tlas"));
    Path image = pattern(28, 28);
    assertThat(run("predict", "--weights", tlas.toString(), image.toString()))
        .as(err.toString())
        .isZero();
    assertThat(out.toString()).startsWith("predict: " + image + " top1=");
    assertThat(
            run("predict", "--weights", tlas.toString(), "--model", "deit-tiny", image.toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains(tlas + " holds a vit-tiny-fm model, but the preset is deit-tiny")
        .contains("leave --model out");
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
