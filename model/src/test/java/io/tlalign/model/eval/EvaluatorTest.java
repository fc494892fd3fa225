package io.tlalign.model.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.tlalign.alignment.SoftTargetCrossEntropy;
import io.tlalign.alignment.Targets;
import io.tlalign.model.NoGrad;
import io.tlalign.model.TestEngine;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitModel;
import io.tlalign.model.vit.VitPresets;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // NoGrad and collector scopes are used for their close()
class EvaluatorTest {

  private static final VitConfig FM = VitPresets.VIT_TINY_FM;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void accuracyAndLossMatchAnIndependentComputationOverUnevenBatches() {
    int n = 20;
    SplittableRandom r = new SplittableRandom(3);
    float[] pixels = new float[n * 784];
    int[] labels = new int[n];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < n; i++) {
      labels[i] = r.nextInt(10);
    }
    try (VitModel m = VitModel.create(FM, 4, Device.cpu());
        NDManager sm = m.newStepManager()) {
      // Reference: one plain forward of all 20 images, then accuracy and loss in double.
      double[][] logits = new double[n][10];
      try (NoGrad ng = NoGrad.enter()) {
        float[] flat =
            m.forward(sm.create(pixels, new Shape(n, 1, 28, 28)), false).get(0).toFloatArray();
        for (int i = 0; i < n; i++) {
          for (int k = 0; k < 10; k++) {
            logits[i][k] = flat[i * 10 + k];
          }
        }
      }
      long correct = 0;
      double[][] oneHot = new double[n][];
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < 10; k++) {
          if (logits[i][k] > logits[i][best]) {
            best = k;
          }
        }
        correct += best == labels[i] ? 1 : 0;
        oneHot[i] = Targets.smoothedOneHot(labels[i], 10, 0.0);
      }
      double loss = SoftTargetCrossEntropy.loss(logits, oneHot);

      EvalResult result = Evaluator.evaluate(m, pixels, labels, 7); // batches of 7, 7, 6
      assertThat(result.examples()).isEqualTo(n);
      assertThat(result.correct()).isEqualTo(correct);
      assertThat(result.accuracy()).isEqualTo((double) correct / n);
      assertThat(result.meanLoss()).isCloseTo(loss, within(1e-5));
    }
  }

  @Test
  void evaluationRecordsNoGraphEvenOnAThreadWithGradModeOn() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (VitModel m = VitModel.create(FM, 4, Device.cpu())) {
      Thread t =
          new Thread(
              () -> {
                try (NDManager sm = m.newStepManager()) {
                  JniUtils.setGradMode(true); // as on any thread but the engine's loader
                  NDArray logits = Evaluator.logits(m, sm, new float[2 * 784], 2);
                  assertThat(logits.getShape()).isEqualTo(new Shape(2, 10));
                  assertThat(JniUtils.isGradMode()).as("grad mode restored").isTrue();
                  try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    assertThatThrownBy(() -> gc.backward(logits.sum()))
                        .isInstanceOf(EngineException.class)
                        .hasMessageContaining("does not require grad");
                  }
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      t.start();
      t.join();
    }
    assertThat(failure.get()).isNull();
  }
}
