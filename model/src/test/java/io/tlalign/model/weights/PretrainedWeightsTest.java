package io.tlalign.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tlalign.alignment.Pooling;
import io.tlalign.model.NativeArrays;
import io.tlalign.model.NoGrad;
import io.tlalign.model.TestEngine;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads the weights written by {@code src/test/python/vit_reference.py}, an independent PyTorch ViT
 * with timm's layout, and checks this model's logits against the ones PyTorch computed.
 */
class PretrainedWeightsTest {

  static final Path FIXTURES = Path.of("src/test/resources/weights");
  static final VitConfig TINY = VitPresets.VIT_TINY_FM;
  static final VitConfig RGB =
      new VitConfig("rgb-small", 32, 24, 3, 8, 48, 2, 3, 4.0, 7, Pooling.CLS, true, 1e-6f);
  static final double TOLERANCE = 1e-4;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  static Map<String, NamedTensor> fixture(String file) throws IOException {
    return Safetensors.read(FIXTURES.resolve(file)).tensors();
  }

  /** The logits of a session built from {@code params} on {@code images}. */
  static float[] logits(VitConfig config, List<NamedTensor> params, NamedTensor images) {
    try (TrainingSession s =
            TrainingSession.fromWeights(TrainingConfig.defaults(config, 7), Device.cpu(), params);
        NDManager sm = s.model().newStepManager();
        NoGrad noGrad = NoGrad.enter()) {
      assertThat(s.stepCount()).isZero();
      NDArray x = NativeArrays.copyOf(sm, images.data(), new Shape(images.shape()));
      return s.model().forward(x, false).get(0).toFloatArray();
    }
  }

  static double maxDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  @Test
  void timmAndHuggingFaceWeightsGiveThePyTorchLogits() throws IOException {
    for (VitConfig c : new VitConfig[] {TINY, RGB}) {
      Map<String, NamedTensor> io = fixture(c.name() + "-io.safetensors");
      for (String names : new String[] {"timm", "hf"}) {
        PretrainedWeights.Loaded w =
            PretrainedWeights.load(FIXTURES.resolve(c.name() + "-" + names + ".safetensors"), c, 7);
        double diff = maxDiff(logits(c, w.parameters(), io.get("images")), io.get("logits").data());
        System.out.printf("%s %s names: max |logit - PyTorch| = %.3g%n", c.name(), names, diff);
        assertThat(diff).as(c.name() + " " + names).isLessThan(TOLERANCE);
        assertThat(w.notes()).hasSize(1);
      }
    }
  }

  @Test
  void weightsThatDoNotFitAreRefusedWithOneErrorListingEverything() throws IOException {
    Map<String, NamedTensor> timm = new LinkedHashMap<>(fixture("vit-tiny-fm-timm.safetensors"));
    timm.remove("blocks.0.norm1.weight");
    timm.remove("norm.bias");
    timm.put("extra.weight", new NamedTensor("extra.weight", new long[] {1}, new float[1]));
    timm.put(
        "blocks.2.mlp.fc1.weight",
        new NamedTensor("blocks.2.mlp.fc1.weight", new long[] {64, 64}, new float[64 * 64]));
    assertThatThrownBy(() -> PretrainedWeights.fit(timm, TINY, 7, "edited", new ArrayList<>()))
        .isInstanceOfSatisfying(
            IncompatibleWeightsException.class,
            e -> {
              assertThat(e.missing()).containsExactly("blocks.0.norm1.weight", "norm.bias");
              assertThat(e.unexpected()).containsExactly("extra.weight");
              assertThat(e.mismatched())
                  .containsExactly(
                      "blocks.2.mlp.fc1.weight: file shape [64, 64], model shape [128, 64]");
            })
        .hasMessageContaining("weights in edited do not fit preset vit-tiny-fm")
        .hasMessageContaining("--model");
    // Another architecture entirely: deit-tiny shapes into vit-tiny-fm.
    assertThatThrownBy(
            () ->
                PretrainedWeights.load(
                    FIXTURES.resolve("rgb-small-timm.safetensors"), VitPresets.DEIT_TINY, 7))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining("missing [blocks.2.norm1.weight");
    assertThatThrownBy(() -> PretrainedWeights.load(FIXTURES.resolve("nope.safetensors"), TINY, 7))
        .hasMessageContaining("nope.safetensors does not exist")
        .hasMessageContaining(".tlas");
  }

  @Test
  void aHeadForAnotherClassCountIsReinitialisedAsAFreshModels() throws IOException {
    VitConfig five = TINY.withNumClasses(5);
    PretrainedWeights.Loaded w =
        PretrainedWeights.load(FIXTURES.resolve("vit-tiny-fm-timm.safetensors"), five, 7);
    assertThat(w.notes()).anyMatch(n -> n.contains("re-initialised the head for 5 classes"));
    Map<String, NamedTensor> timm = fixture("vit-tiny-fm-timm.safetensors");
    try (TrainingSession fresh =
        TrainingSession.create(TrainingConfig.defaults(five, 7), Device.cpu())) {
      TrainingState init = fresh.captureState();
      for (int i = 0; i < init.parameters().size(); i++) {
        NamedTensor got = w.parameters().get(i);
        String timmName = WeightNames.modelToTimm(got.name()).orElseThrow();
        NamedTensor expected =
            timmName.startsWith("head.") ? init.parameters().get(i) : timm.get(timmName);
        assertThat(got.data()).as(timmName).containsExactly(expected.data());
      }
    }
  }

  @Test
  void posEmbedIsResampledBicubicallyAsPyTorchDoes() throws IOException {
    Map<String, NamedTensor> io = fixture("resample-io.safetensors");
    float[] ours = CheckpointFilter.resamplePosEmbed(io.get("pos_embed").data(), 4, 3, 6, 5, 8, 1);
    double diff = maxDiff(ours, io.get("resampled").data());
    System.out.printf("pos_embed 4x3 -> 6x5: max |ours - PyTorch| = %.3g%n", diff);
    assertThat(diff).isLessThan(1e-5);

    VitConfig bigger =
        new VitConfig("tiny-32", 32, 32, 1, 4, 64, 4, 4, 2.0, 10, Pooling.CLS, true, 1e-6f);
    PretrainedWeights.Loaded w =
        PretrainedWeights.load(FIXTURES.resolve("vit-tiny-fm-timm.safetensors"), bigger, 7);
    assertThat(w.notes())
        .contains("resampled pos_embed bicubically from a 7x7 grid to 8x8, class token row kept");
    NamedTensor pos = w.parameters().get(1);
    assertThat(pos.shape()).containsExactly(1, 65, 64);
    float[] cls =
        java.util.Arrays.copyOf(
            fixture("vit-tiny-fm-timm.safetensors").get("pos_embed").data(), 64);
    assertThat(java.util.Arrays.copyOf(pos.data(), 64)).containsExactly(cls);
  }

  @Test
  void aGreyModelRunsOnRgbImagesAfterRepeatingItsPatchEmbedding() throws IOException {
    VitConfig rgbTiny =
        new VitConfig("tiny-rgb", 28, 28, 3, 4, 64, 4, 4, 2.0, 10, Pooling.CLS, true, 1e-6f);
    PretrainedWeights.Loaded w =
        PretrainedWeights.load(FIXTURES.resolve("vit-tiny-fm-timm.safetensors"), rgbTiny, 7);
    assertThat(w.notes()).anyMatch(n -> n.contains("repeated the 1-channel patch embedding"));
    Map<String, NamedTensor> io = fixture("vit-tiny-fm-io.safetensors");
    NamedTensor grey = io.get("images");
    int plane = 28 * 28;
    int b = (int) grey.shape()[0];
    float[] rgb = new float[b * 3 * plane];
    for (int i = 0; i < b; i++) {
      for (int c = 0; c < 3; c++) {
        System.arraycopy(grey.data(), i * plane, rgb, (i * 3 + c) * plane, plane);
      }
    }
    NamedTensor images = new NamedTensor("images", new long[] {b, 3, 28, 28}, rgb);
    double diff = maxDiff(logits(rgbTiny, w.parameters(), images), io.get("logits").data());
    assertThat(diff).isLessThan(TOLERANCE);

    VitConfig greyRgb =
        new VitConfig("rgb-grey", 32, 24, 1, 8, 48, 2, 3, 4.0, 7, Pooling.CLS, true, 1e-6f);
    PretrainedWeights.Loaded summed =
        PretrainedWeights.load(FIXTURES.resolve("rgb-small-timm.safetensors"), greyRgb, 7);
    assertThat(summed.notes()).anyMatch(n -> n.contains("summed the patch embedding"));
    float[] conv = fixture("rgb-small-timm.safetensors").get("patch_embed.proj.weight").data();
    float[] got = summed.parameters().get(2).data();
    assertThat(got).hasSize(48 * 64);
    assertThat(got[5]).isEqualTo(conv[5] + conv[64 + 5] + conv[128 + 5]);
  }

  @Test
  void aDistilledDeitLosesItsDistillationTokenAndHead() throws IOException {
    Map<String, NamedTensor> timm = fixture("vit-tiny-fm-timm.safetensors");
    Map<String, NamedTensor> distilled = new LinkedHashMap<>(timm);
    NamedTensor pos = timm.get("pos_embed");
    float[] withDist = new float[pos.size() + 64];
    System.arraycopy(pos.data(), 0, withDist, 0, 64);
    java.util.Arrays.fill(withDist, 64, 128, 9f);
    System.arraycopy(pos.data(), 64, withDist, 128, pos.size() - 64);
    distilled.put("pos_embed", new NamedTensor("pos_embed", new long[] {1, 51, 64}, withDist));
    distilled.put(
        "dist_token", new NamedTensor("dist_token", new long[] {1, 1, 64}, new float[64]));
    distilled.put(
        "head_dist.weight",
        new NamedTensor("head_dist.weight", new long[] {10, 64}, new float[640]));
    distilled.put(
        "head_dist.bias", new NamedTensor("head_dist.bias", new long[] {10}, new float[10]));
    List<String> notes = new ArrayList<>();
    PretrainedWeights.Loaded w = PretrainedWeights.fit(distilled, TINY, 7, "deit", notes);
    assertThat(w.notes()).anyMatch(n -> n.contains("dropped the distillation token"));
    PretrainedWeights.Loaded plain =
        PretrainedWeights.fit(timm, TINY, 7, "plain", new ArrayList<>());
    assertThat(w.parameters()).isEqualTo(plain.parameters());
  }

  @Test
  void aModelFileOfThisSystemLoadsBitForBit(@TempDir Path dir) throws IOException {
    PretrainedWeights.Loaded w =
        PretrainedWeights.load(FIXTURES.resolve("vit-tiny-fm-hf.safetensors"), TINY, 7);
    Path file = dir.resolve("model-step-000000000-chk-1.tlas");
    try (TrainingSession s =
            TrainingSession.fromWeights(
                TrainingConfig.defaults(TINY, 7), Device.cpu(), w.parameters());
        OutputStream out = Files.newOutputStream(file)) {
      s.captureState().writeTo(out);
    }
    PretrainedWeights.Loaded again = PretrainedWeights.load(file, TINY, 7);
    assertThat(again.notes().get(0)).startsWith("read a model file of preset vit-tiny-fm");
    assertThat(again.parameters()).isEqualTo(w.parameters());
  }
}
