package io.tlalign.model.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tlalign.alignment.SoftTargetCrossEntropy;
import io.tlalign.alignment.Targets;
import io.tlalign.alignment.vectors.TestVector;
import io.tlalign.model.TestEngine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SoftTargetLossTest {

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void lossMatchesTheVectorsAndTheDoubleReference() throws Exception {
    for (TestVector v : TestVectors.all()) {
      int b = v.batchSize();
      int k = v.numClasses();
      try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
        NDArray logits = m.create(TestVectors.flat(v.logits()), new Shape(b, k));
        NDArray target = m.create(TestVectors.flat(v.expected().target()), new Shape(b, k));
        NDArray cutmix = m.create(TestVectors.flat(v.expected().cutmixTarget()), new Shape(b, k));
        double loss = SoftTargetLoss.crossEntropy(logits, target).getFloat();
        double cutmixLoss = SoftTargetLoss.crossEntropy(logits, cutmix).getFloat();
        assertThat(loss).as(v.name()).isCloseTo(v.expected().loss(), within(1e-5));
        assertThat(cutmixLoss).as(v.name()).isCloseTo(v.expected().cutmixLoss(), within(1e-5));
        assertThat(loss)
            .as(v.name())
            .isCloseTo(
                SoftTargetCrossEntropy.loss(v.logits(), v.expected().target()), within(1e-5));
      }
    }
  }

  @Test
  void confidentWrongLogitsGiveAFiniteLossAndGradientWhereLogOfSoftmaxGivesNaN() {
    // Class 1 is wrong by 200 nats: softmax underflows to exactly 0 in float32.
    float[] logits = {200f, 0f, -50f};
    double[][] targetRows = {{0, 1, 0}};
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager();
        GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      NDArray x = m.create(logits, new Shape(1, 3));
      x.setRequiresGradient(true);
      NDArray target = m.create(TestVectors.flat(targetRows), new Shape(1, 3));

      NDArray naive = x.softmax(1).log().mul(target).sum().neg(); // 0 * log(0) = NaN
      assertThat(naive.getFloat()).isNaN();

      NDArray loss = SoftTargetLoss.crossEntropy(x, target);
      double expected = SoftTargetCrossEntropy.loss(new double[][] {{200, 0, -50}}, targetRows);
      assertThat((double) loss.getFloat()).isCloseTo(expected, within(1e-3)).isFinite();
      gc.backward(loss);
      float[] grad = x.getGradient().toFloatArray();
      // d loss / d logits = softmax - target = (1, -1, 0)
      assertThat(grad[0]).isCloseTo(1f, within(1e-6f));
      assertThat(grad[1]).isCloseTo(-1f, within(1e-6f));
      assertThat(grad[2]).isCloseTo(0f, within(1e-6f));
    }
  }

  @Test
  void plainAndCutMixTargetsMatchTheLibrary() {
    int[] a = {0, 3, 9};
    int[] b = {5, 3, 1};
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      float[] cutmix = SoftTargets.cutMix(m, 0.3, a, b, 10, 0.1).toFloatArray();
      float[] plain = SoftTargets.plain(m, a, 10, 0.1).toFloatArray();
      double[][] libCutMix = Targets.cutMixBatch(0.3, a, b, 10, 0.1);
      for (int i = 0; i < 3; i++) {
        double[] libPlain = Targets.smoothedOneHot(a[i], 10, 0.1);
        for (int c = 0; c < 10; c++) {
          assertThat((double) cutmix[i * 10 + c]).isCloseTo(libCutMix[i][c], within(1e-7));
          assertThat((double) plain[i * 10 + c]).isCloseTo(libPlain[c], within(1e-7));
        }
      }
    }
  }
}
