package io.tlalign.model.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.tlalign.model.TestEngine;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitModel;
import io.tlalign.model.vit.VitPresets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The grouped update (flat buffers, a few ops per group) is bit-identical to the per-parameter
 * update, on every parameter of a real ViT: one optimizer always gets the parameters in model order
 * (the grouped path); the other gets them in model order once (which lays out its groups) and then
 * in reverse order, which matches no group's order and so takes the per-parameter path.
 */
class AdamWGroupedUpdateTest {

  private static final VitConfig FM = VitPresets.VIT_TINY_FM;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void groupedAndPerParameterUpdatesAreBitIdentical() {
    AdamWConfig config = new AdamWConfig(2e-3, 0.9, 0.999, 1e-8, 0.05, 0, 1_000, 1e-5, 1.0);
    try (VitModel grouped = VitModel.create(FM, 3, Device.cpu());
        VitModel perParameter = VitModel.create(FM, 3, Device.cpu());
        AdamW a = new AdamW(config);
        AdamW b = new AdamW(config)) {
      PairList<String, Parameter> forward = grouped.parameters();
      PairList<String, Parameter> reversed = reversed(perParameter.parameters());
      for (int step = 0; step < 3; step++) {
        backward(grouped, step);
        backward(perParameter, step);
        assertThat(a.clipGradients(forward)).isEqualTo(b.clipGradients(perParameter.parameters()));
        a.step(forward);
        b.step(step == 0 ? perParameter.parameters() : reversed);
        assertThat(a.lastStepGrouped()).isTrue();
        assertThat(b.lastStepGrouped()).as("step %d", step).isEqualTo(step == 0);
        AdamW.zeroGradients(forward);
        AdamW.zeroGradients(reversed);
      }
      Map<String, float[]> pa = values(grouped.parameters());
      Map<String, float[]> pb = values(perParameter.parameters());
      assertThat(pa).hasSize(pb.size());
      for (Map.Entry<String, float[]> e : pa.entrySet()) {
        assertThat(bits(e.getValue())).as(e.getKey()).isEqualTo(bits(pb.get(e.getKey())));
      }
      OptimizerState sa = a.snapshot();
      OptimizerState sb = b.snapshot();
      assertThat(sa.stepCount()).isEqualTo(3);
      assertThat(sa).isEqualTo(sb);
      assertThat(byName(sa.firstMoments())).isEqualTo(byName(sb.firstMoments()));
      assertThat(byName(sa.secondMoments())).isEqualTo(byName(sb.secondMoments()));
      // Moments are listed in first-stepped order, whatever the groups.
      assertThat(sa.firstMoments().get(0).name()).isEqualTo(forward.get(0).getKey());
      // The parameters moved: the comparison is not between two untouched models.
      try (VitModel fresh = VitModel.create(FM, 3, Device.cpu())) {
        String name = forward.get(0).getKey();
        assertThat(bits(values(fresh.parameters()).get(name))).isNotEqualTo(bits(pa.get(name)));
      }
    }
  }

  private static void backward(VitModel model, int step) {
    Engine engine = Engine.getEngine("PyTorch");
    try (NDManager m = engine.newBaseManager(Device.cpu());
        GradientCollector gc = engine.newGradientCollector()) {
      NDArray x =
          m.randomUniform(0, 1, new Shape(4, 1, 28, 28), ai.djl.ndarray.types.DataType.FLOAT32);
      float[] data = new float[4 * 28 * 28];
      for (int i = 0; i < data.length; i++) {
        data[i] = (float) Math.sin(0.37 * i + step);
      }
      x.set(java.nio.FloatBuffer.wrap(data));
      NDArray logits = model.forward(x, true).get(0);
      gc.backward(logits.square().mean());
    }
  }

  private static PairList<String, Parameter> reversed(PairList<String, Parameter> params) {
    List<Pair<String, Parameter>> list = new ArrayList<>();
    for (Pair<String, Parameter> p : params) {
      list.add(p);
    }
    Collections.reverse(list);
    PairList<String, Parameter> out = new PairList<>();
    for (Pair<String, Parameter> p : list) {
      out.add(p);
    }
    return out;
  }

  private static Map<String, float[]> values(PairList<String, Parameter> params) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Pair<String, Parameter> p : params) {
      if (p.getValue().requiresGradient()) {
        out.put(p.getKey(), p.getValue().getArray().toFloatArray());
      }
    }
    return out;
  }

  private static Map<String, List<Integer>> byName(List<NamedTensor> tensors) {
    Map<String, List<Integer>> out = new java.util.TreeMap<>();
    for (NamedTensor t : tensors) {
      out.put(t.name(), bits(t.data()));
    }
    return out;
  }

  private static List<Integer> bits(float[] values) {
    List<Integer> out = new ArrayList<>(values.length);
    for (float v : values) {
      out.add(Float.floatToRawIntBits(v));
    }
    return out;
  }
}
