package io.tlalign.model.label;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tlalign.alignment.Propagation;
import io.tlalign.alignment.Targets;
import io.tlalign.alignment.TokenLabelAlignment;
import io.tlalign.alignment.vectors.TestVector;
import io.tlalign.model.TestEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The float32 label path on the engine against the shared vectors (independent float64 reference)
 * and against the alignment library's own double computation.
 */
class LabelPathParityTest {

  private static final double TOL = 1e-6;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void alignedWeightsFinalWeightsAndTargetsMatchEveryVector() throws Exception {
    List<TestVector> vectors = TestVectors.all();
    for (TestVector v : vectors) {
      check(v);
    }
  }

  private static void check(TestVector v) {
    int b = v.batchSize();
    int n = v.layout().numTokens();
    int k = v.numClasses();
    String name = v.name();
    // The library's own double computation, from the raw attention.
    double[][][][] meanAttention = new double[v.numLayers()][b][][];
    for (int l = 0; l < v.numLayers(); l++) {
      for (int s = 0; s < b; s++) {
        meanAttention[l][s] = Propagation.meanOverHeads(v.attention()[l][s]);
      }
    }
    double[][][][] libAligned =
        TokenLabelAlignment.propagate(v.expected().initialWeights(), meanAttention);
    double[][] libFinal = TokenLabelAlignment.readOut(libAligned[v.numLayers() - 1], v.pooling());
    double[][] libTarget =
        Targets.mixBatch(libFinal, v.labelsA(), v.labelsB(), k, v.labelSmoothing());
    double[][] libCutMix =
        Targets.cutMixBatch(v.lam(), v.labelsA(), v.labelsB(), k, v.labelSmoothing());

    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      List<NDArray> attention = new ArrayList<>();
      for (int l = 0; l < v.numLayers(); l++) {
        // [B, H, N, N] float32 -> mean over heads -> [B, N, N], as the model's Attention does.
        float[] raw = new float[b * v.numHeads() * n * n];
        int i = 0;
        for (double[][][] sample : v.attention()[l]) {
          for (double[][] head : sample) {
            for (double[] row : head) {
              for (double x : row) {
                raw[i++] = (float) x;
              }
            }
          }
        }
        attention.add(m.create(raw, new Shape(b, v.numHeads(), n, n)).mean(new int[] {1}));
      }
      NDArray initial =
          m.create(TestVectors.flat(v.expected().initialWeights()), new Shape(b, n, 2));
      NDList aligned = LabelPropagation.propagate(initial, attention);
      assertThat(aligned).hasSize(v.numLayers());
      for (int l = 0; l < v.numLayers(); l++) {
        float[] got = aligned.get(l).toFloatArray();
        assertClose(got, v.expected().alignedWeights()[l], name + " aligned_weights[" + l + "]");
        assertClose(got, libAligned[l], name + " library aligned_weights[" + l + "]");
      }
      NDArray finalWeights = LabelPropagation.readOut(aligned.get(aligned.size() - 1), v.pooling());
      assertThat(finalWeights.getShape()).isEqualTo(new Shape(b, 2));
      assertClose(
          finalWeights.toFloatArray(),
          new double[][][] {v.expected().finalWeights()},
          name + " final_weights");
      assertClose(finalWeights.toFloatArray(), new double[][][] {libFinal}, name + " library");
      NDArray target =
          SoftTargets.mix(finalWeights, v.labelsA(), v.labelsB(), k, v.labelSmoothing());
      assertThat(target.getShape()).isEqualTo(new Shape(b, k));
      assertClose(
          target.toFloatArray(), new double[][][] {v.expected().target()}, name + " target");
      assertClose(target.toFloatArray(), new double[][][] {libTarget}, name + " library target");
      NDArray cutMix =
          SoftTargets.cutMix(m, v.lam(), v.labelsA(), v.labelsB(), k, v.labelSmoothing());
      assertClose(
          cutMix.toFloatArray(),
          new double[][][] {v.expected().cutmixTarget()},
          name + " cutmix_target");
      assertClose(cutMix.toFloatArray(), new double[][][] {libCutMix}, name + " library cutmix");
    }
  }

  private static void assertClose(float[] got, double[][][] expected, String what) {
    int i = 0;
    for (double[][] x : expected) {
      for (double[] row : x) {
        for (double e : row) {
          assertThat((double) got[i])
              .as("%s element %d", what, i)
              .isCloseTo(e, org.assertj.core.api.Assertions.within(TOL));
          i++;
        }
      }
    }
    assertThat(got).as(what + " size").hasSize(i);
  }
}
