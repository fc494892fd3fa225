package io.tlalign.model.vit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.tlalign.model.TestEngine;
import io.tlalign.model.optim.AdamW;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DJL builds CPU arrays from Java data with {@code torch::from_blob} over a direct ByteBuffer that
 * only the Java wrapper keeps alive, and its {@code mul(Number)} style ops build such a scalar and
 * close it at once. If autograd saved that scalar for the backward pass, a GC between forward and
 * backward frees the memory under the graph and the gradients read whatever was put there next (see
 * NAN_INVESTIGATION.md). The model's graph must not depend on such memory.
 */
class GarbageCollectionSafetyTest {

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void gradientsDoNotChangeWhenGarbageIsCollectedBetweenForwardAndBackward() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    float[] pixels = new float[4 * 784];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) r.nextGaussian();
    }
    try (VitModel m = VitModel.create(VitPresets.VIT_TINY_FM, 9, Device.cpu())) {
      float[] quiet = gradients(m, pixels, false);
      float[] stressed = gradients(m, pixels, true);
      int differing = 0;
      int first = -1;
      for (int i = 0; i < quiet.length; i++) {
        if (Float.floatToRawIntBits(quiet[i]) != Float.floatToRawIntBits(stressed[i])) {
          differing++;
          first = first < 0 ? i : first;
        }
      }
      assertThat(differing)
          .as(
              "gradient elements that changed (first at %d: %s vs %s)",
              first, first < 0 ? 0 : quiet[first], first < 0 ? 0 : stressed[first])
          .isZero();
    }
  }

  private static float[] gradients(VitModel m, float[] pixels, boolean collectGarbage)
      throws InterruptedException {
    List<ByteBuffer> poison = new ArrayList<>();
    try (NDManager sm = m.newStepManager()) {
      NDArray x = sm.create(pixels, new Shape(4, 1, 28, 28));
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDList out = m.forward(x, true);
        NDArray loss = out.get(0).logSoftmax(1).mean().neg();
        if (collectGarbage) {
          // Free every unreachable direct buffer, then hand its memory out again, full of NaN.
          for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(10);
            for (int i = 0; i < 4000; i++) {
              ByteBuffer b = ByteBuffer.allocateDirect(4 << (i % 5)).order(ByteOrder.nativeOrder());
              while (b.remaining() >= 4) {
                b.putFloat(Float.NaN);
              }
              poison.add(b);
            }
          }
        }
        gc.backward(loss);
      }
      List<Float> all = new ArrayList<>();
      for (Pair<String, Parameter> p : m.parameters()) {
        NDArray g = p.getValue().getArray().getGradient();
        g.attach(sm);
        for (float f : g.toFloatArray()) {
          all.add(f);
        }
      }
      AdamW.zeroGradients(m.parameters());
      float[] out = new float[all.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = all.get(i);
      }
      return out;
    } finally {
      poison.clear();
    }
  }
}
