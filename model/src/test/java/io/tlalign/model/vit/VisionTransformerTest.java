package io.tlalign.model.vit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.tlalign.alignment.Pooling;
import io.tlalign.model.NoGrad;
import io.tlalign.model.TestEngine;
import io.tlalign.model.optim.AdamW;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // NoGrad and collector scopes are used for their close()
class VisionTransformerTest {

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void vitTinyFmMapsABatchToLogitsAndOneAttentionMapPerBlock() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    assertThat(c.numTokens()).isEqualTo(50);
    try (VitModel m = VitModel.create(c, 7, Device.cpu());
        NDManager sm = m.newStepManager();
        NoGrad ng = NoGrad.enter()) {
      NDList out = m.forward(sm.randomNormal(new Shape(2, 1, 28, 28)), false);
      assertThat(out).hasSize(1 + c.depth());
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 10));
      for (int l = 1; l <= c.depth(); l++) {
        assertThat(out.get(l).getShape()).isEqualTo(new Shape(2, 50, 50));
      }
      assertThat(m.network().getOutputShapes(new Shape[] {new Shape(2, 1, 28, 28)}))
          .containsExactly(out.getShapes());
    }
  }

  @Test
  void deitTinyHasThePublishedParameterCountAndShapes() {
    VitConfig c = VitPresets.DEIT_TINY;
    try (VitModel m = VitModel.create(c, 1, Device.cpu());
        NDManager sm = m.newStepManager();
        NoGrad ng = NoGrad.enter()) {
      // DeiT-Ti with a 1000-class head: 5,717,416 parameters (timm, Touvron et al. 2021: 5.7M).
      assertThat(m.parameterCount()).isEqualTo(5_717_416L);
      NDList out = m.forward(sm.zeros(new Shape(2, 3, 224, 224)), false);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(2, 1000));
      assertThat(out).hasSize(13);
      assertThat(out.get(12).getShape()).isEqualTo(new Shape(2, 197, 197));
    }
  }

  @Test
  void parametersHaveUniqueHierarchicalNamesInAFixedOrder() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    try (VitModel m = VitModel.create(c, 1, Device.cpu())) {
      List<String> names = m.parameters().keys();
      assertThat(new HashSet<>(names)).hasSameSizeAs(names);
      assertThat(names.subList(0, 4))
          .containsExactly(
              "cls_token", "pos_embed", "01patch_embed_01proj_weight", "01patch_embed_01proj_bias");
      assertThat(names)
          .contains(
              "02block0_01norm1_gamma",
              "02block0_02attn_01qkv_weight",
              "02block0_04mlp_02fc2_bias",
              "05block3_02attn_02proj_weight");
      assertThat(names.subList(names.size() - 4, names.size()))
          .containsExactly("06norm_gamma", "06norm_beta", "07head_weight", "07head_bias");
      // 2 + 2 (patch) + 4 blocks x 12 + 2 (norm) + 2 (head)
      assertThat(names).hasSize(56);
    }
  }

  @Test
  void theSameSeedGivesBitIdenticalParametersAndAnotherSeedDoesNot() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    try (VitModel a = VitModel.create(c, 42, Device.cpu());
        VitModel b = VitModel.create(c, 42, Device.cpu());
        VitModel other = VitModel.create(c, 43, Device.cpu())) {
      boolean anyDifferent = false;
      for (int i = 0; i < a.parameters().size(); i++) {
        float[] x = a.parameters().valueAt(i).getArray().toFloatArray();
        float[] y = b.parameters().valueAt(i).getArray().toFloatArray();
        float[] z = other.parameters().valueAt(i).getArray().toFloatArray();
        assertThat(y).as(a.parameters().keyAt(i)).containsExactly(x);
        anyDifferent |= !java.util.Arrays.equals(x, z);
      }
      assertThat(anyDifferent).isTrue();
    }
  }

  @Test
  void initialisationFollowsTimm() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    try (VitModel m = VitModel.create(c, 3, Device.cpu())) {
      for (Pair<String, Parameter> p : m.parameters()) {
        float[] v = p.getValue().getArray().toFloatArray();
        String name = p.getKey();
        if (name.endsWith("_bias") || name.endsWith("_beta")) {
          assertThat(v).as(name).containsOnly(0f);
        } else if (name.endsWith("_gamma")) {
          assertThat(v).as(name).containsOnly(1f);
        } else {
          double sum = 0;
          double sq = 0;
          for (float f : v) {
            assertThat(Math.abs(f)).as(name).isLessThanOrEqualTo(0.04f);
            sum += f;
            sq += f * f;
          }
          if (v.length > 1000) {
            double mean = sum / v.length;
            double std = Math.sqrt(sq / v.length - mean * mean);
            // A normal truncated at 2 sigma keeps 88% of its standard deviation.
            assertThat(std).as(name).isCloseTo(0.02 * 0.8796, within(0.0015));
          }
        }
      }
    }
  }

  @Test
  void attentionRowsSumToOneAndCarryNoGradient() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    Engine engine = Engine.getEngine("PyTorch");
    try (VitModel m = VitModel.create(c, 5, Device.cpu());
        NDManager sm = m.newStepManager()) {
      NDArray x = sm.randomNormal(new Shape(2, 1, 28, 28));
      try (GradientCollector gc = engine.newGradientCollector()) {
        NDList out = m.forward(x, true);
        for (int l = 1; l < out.size(); l++) {
          NDArray attn = out.get(l);
          float[] rowSums = attn.sum(new int[] {2}).toFloatArray();
          for (float s : rowSums) {
            assertThat(s).isCloseTo(1f, within(1e-5f));
          }
          assertThat(attn.min().getFloat()).isGreaterThanOrEqualTo(0f);
          // Detached: it has no autograd history, so a backward pass from it is refused.
          assertThatThrownBy(() -> gc.backward(attn.sum()))
              .isInstanceOf(EngineException.class)
              .hasMessageContaining("does not require grad");
        }
        gc.backward(out.get(0).sum()); // the logits are in the graph
      }
      NDArray grad = m.parameters().get("02block0_02attn_01qkv_weight").getArray().getGradient();
      grad.attach(sm);
      assertThat(grad.abs().sum().getFloat()).isGreaterThan(0f);
      AdamW.zeroGradients(m.parameters());
    }
  }

  @Test
  void meanPoolingModelHasNoClassToken() {
    VitConfig c = VitPresets.VIT_TINY_FM.withPooling(Pooling.MEAN).withName("fm-mean");
    try (VitModel m = VitModel.create(c, 1, Device.cpu());
        NDManager sm = m.newStepManager();
        NoGrad ng = NoGrad.enter()) {
      assertThat(m.parameters().keys()).doesNotContain("cls_token");
      NDList out = m.forward(sm.zeros(new Shape(3, 1, 28, 28)), false);
      assertThat(out.get(0).getShape()).isEqualTo(new Shape(3, 10));
      assertThat(out.get(1).getShape()).isEqualTo(new Shape(3, 49, 49));
    }
  }

  @Test
  void stepManagersLeaveNothingInTheParameterManager() {
    VitConfig c = VitPresets.VIT_TINY_FM;
    try (VitModel m = VitModel.create(c, 1, Device.cpu())) {
      Set<String> before = arrayIds(m);
      try (NDManager sm = m.newStepManager();
          NoGrad ng = NoGrad.enter()) {
        m.forward(sm.zeros(new Shape(2, 1, 28, 28)), false);
      }
      assertThat(arrayIds(m)).isEqualTo(before);
    }
  }

  private static Set<String> arrayIds(VitModel m) {
    Set<String> ids = new HashSet<>();
    for (Pair<String, Parameter> p : m.parameters()) {
      NDManager owner = p.getValue().getArray().getManager();
      owner.getManagedArrays().forEach(a -> ids.add(a.getUid()));
    }
    return ids;
  }
}
