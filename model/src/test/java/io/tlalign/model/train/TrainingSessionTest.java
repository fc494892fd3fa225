package io.tlalign.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.tlalign.model.TestEngine;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.eval.Evaluator;
import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.optim.LearningRateSchedule;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingSessionTest {

  private static final VitConfig FM = VitPresets.VIT_TINY_FM;

  /** No warm-up, so a few steps already move the model. */
  private static final AdamWConfig FAST =
      new AdamWConfig(2e-3, 0.9, 0.999, 1e-8, 0.05, 0, 1_000, 1e-5, 1.0);

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  private static TrainingConfig config(TargetMode mode, long seed) {
    return new TrainingConfig(FM, seed, FAST, mode, 0.1);
  }

  @Test
  void aFewStepsOnSeparableDataLowerTheLossAndRaiseAccuracy() {
    int[] evalLabels = SyntheticTexture.labels(60, 999);
    float[] evalImages = SyntheticTexture.images(FM, evalLabels, 999);
    try (TrainingSession s = TrainingSession.create(config(TargetMode.NONE, 1), Device.cpu())) {
      EvalResult before = Evaluator.evaluate(s.model(), evalImages, evalLabels, 32);
      List<Double> losses = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        StepResult r = s.step(SyntheticTexture.unmixed(FM, 32, i));
        assertThat(r.refused()).isFalse();
        losses.add(r.loss());
      }
      EvalResult after = Evaluator.evaluate(s.model(), evalImages, evalLabels, 32);
      double first = (losses.get(0) + losses.get(1) + losses.get(2)) / 3;
      double last = (losses.get(27) + losses.get(28) + losses.get(29)) / 3;
      assertThat(last).as("training loss, first steps %s", losses).isLessThan(0.6 * first);
      assertThat(after.meanLoss()).isLessThan(before.meanLoss());
      assertThat(after.accuracy()).isGreaterThan(0.5).isGreaterThan(before.accuracy());
      assertThat(s.stepCount()).isEqualTo(30);
    }
  }

  @Test
  void aTlAlignStepReportsLambdaAndTheAlignedShare() {
    MixedBatch batch = SyntheticTexture.cutMix(FM, 8, 3);
    assertThat(batch.lambda()).isStrictlyBetween(0.0, 1.0);
    try (TrainingSession s = TrainingSession.create(config(TargetMode.TLALIGN, 1), Device.cpu())) {
      StepResult r = s.step(batch);
      assertThat(r.refused()).isFalse();
      assertThat(r.refusalReason()).isNull();
      assertThat(r.step()).isEqualTo(1);
      assertThat(r.batchIndex()).isEqualTo(3);
      assertThat(r.batchSize()).isEqualTo(8);
      assertThat(r.loss()).isFinite().isPositive();
      assertThat(r.gradNorm()).isFinite().isPositive();
      assertThat(r.learningRate()).isEqualTo(new LearningRateSchedule(FAST).learningRate(1));
      assertThat(r.meanLambda()).isEqualTo(batch.lambda());
      // The class token's share of A moves away from lambda through the attention.
      assertThat(r.meanAlignedShareA()).isStrictlyBetween(0.0, 1.0).isNotEqualTo(batch.lambda());
    }
  }

  @Test
  void theThreeTargetModesGiveDifferentLossesOnAMixedBatch() {
    MixedBatch batch = SyntheticTexture.cutMix(FM, 8, 5);
    double[] losses = new double[3];
    TargetMode[] modes = {TargetMode.TLALIGN, TargetMode.CUTMIX, TargetMode.NONE};
    for (int i = 0; i < 3; i++) {
      try (TrainingSession s = TrainingSession.create(config(modes[i], 1), Device.cpu())) {
        losses[i] = s.step(batch).loss();
      }
    }
    assertThat(losses[0]).isNotEqualTo(losses[1]);
    assertThat(losses[1]).isNotEqualTo(losses[2]);
  }

  @Test
  void aNonFiniteLossIsRefusedAndLeavesParametersAndMomentsBitIdentical() {
    try (TrainingSession s = TrainingSession.create(config(TargetMode.TLALIGN, 1), Device.cpu())) {
      s.step(SyntheticTexture.cutMix(FM, 8, 0));
      TrainingState before = s.captureState();

      for (float poison : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
        MixedBatch good = SyntheticTexture.cutMix(FM, 8, 1);
        float[] pixels = good.pixels().clone();
        pixels[100] = poison;
        MixedBatch bad =
            new MixedBatch(
                good.batchIndex(),
                good.channels(),
                good.height(),
                good.width(),
                pixels,
                good.labelsA(),
                good.labelsB(),
                good.numTokens(),
                good.tokenWeights(),
                good.lambda());
        StepResult r = s.step(bad);
        assertThat(r.refused()).isTrue();
        assertThat(r.refusalReason()).startsWith("non-finite");
        assertThat(r.step()).isEqualTo(1);
      }
      TrainingState after = s.captureState();
      assertThat(after.parameters()).isEqualTo(before.parameters());
      assertThat(after.optimizer()).isEqualTo(before.optimizer());
      assertThat(s.refusedSteps()).isEqualTo(2);
      assertThat(after.refusedSteps()).isEqualTo(2);

      StepResult next = s.step(SyntheticTexture.cutMix(FM, 8, 2));
      assertThat(next.refused()).isFalse();
      assertThat(next.loss()).isFinite();
      assertThat(next.refusedSteps()).isEqualTo(2);
      assertThat(next.step()).isEqualTo(2);
    }
  }

  @Test
  void theSameSeedAndBatchesGiveBitIdenticalParametersOnAnyThread() throws Exception {
    TrainingState onMain;
    try (TrainingSession s = TrainingSession.create(config(TargetMode.TLALIGN, 11), Device.cpu())) {
      for (int i = 0; i < 3; i++) {
        s.step(SyntheticTexture.cutMix(FM, 8, i));
      }
      onMain = s.captureState();
    }
    // A fresh thread, as a Flink task thread: PyTorch's grad mode is on there by default.
    AtomicReference<Object> onOther = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try (TrainingSession s =
                  TrainingSession.create(config(TargetMode.TLALIGN, 11), Device.cpu())) {
                for (int i = 0; i < 3; i++) {
                  s.step(SyntheticTexture.cutMix(FM, 8, i));
                }
                onOther.set(s.captureState());
              } catch (Throwable e) {
                onOther.set(e);
              }
            });
    t.start();
    t.join();
    assertThat(onOther.get()).isInstanceOf(TrainingState.class);
    assertThat(onOther.get()).isEqualTo(onMain);
    assertThat(onMain.step()).isEqualTo(3);
  }

  @Test
  void twoSessionsInOneJvmCanStepAtTheSameTime() throws Exception {
    TrainingState sequential;
    try (TrainingSession s = TrainingSession.create(config(TargetMode.TLALIGN, 2), Device.cpu())) {
      for (int i = 0; i < 3; i++) {
        s.step(SyntheticTexture.cutMix(FM, 8, i));
      }
      sequential = s.captureState();
    }
    List<AtomicReference<Object>> results =
        List.of(new AtomicReference<>(), new AtomicReference<>());
    List<Thread> threads = new ArrayList<>();
    for (AtomicReference<Object> result : results) {
      threads.add(
          new Thread(
              () -> {
                try (TrainingSession s =
                    TrainingSession.create(config(TargetMode.TLALIGN, 2), Device.cpu())) {
                  for (int i = 0; i < 3; i++) {
                    s.step(SyntheticTexture.cutMix(FM, 8, i));
                  }
                  result.set(s.captureState());
                } catch (Throwable e) {
                  result.set(e);
                }
              }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    for (AtomicReference<Object> result : results) {
      assertThat(result.get()).isEqualTo(sequential);
    }
  }

  @Test
  void aRestoredStateContinuesBitForBit() throws Exception {
    TrainingState restoredFrom;
    TrainingState uninterrupted;
    try (TrainingSession a = TrainingSession.create(config(TargetMode.TLALIGN, 5), Device.cpu())) {
      a.step(SyntheticTexture.cutMix(FM, 8, 0));
      a.step(SyntheticTexture.cutMix(FM, 8, 1));
      restoredFrom = TrainingState.fromBytes(a.captureState().toBytes());
      a.step(SyntheticTexture.cutMix(FM, 8, 2));
      uninterrupted = a.captureState();
    }
    // Another seed: every parameter of the fresh session differs until the restore.
    try (TrainingSession b =
        TrainingSession.fromState(config(TargetMode.TLALIGN, 77), Device.cpu(), restoredFrom)) {
      assertThat(b.stepCount()).isEqualTo(2);
      b.step(SyntheticTexture.cutMix(FM, 8, 2));
      TrainingState resumed = b.captureState();
      assertThat(resumed.parameters()).isEqualTo(uninterrupted.parameters());
      assertThat(resumed.optimizer()).isEqualTo(uninterrupted.optimizer());
      assertThat(resumed.step()).isEqualTo(3);
    }
  }

  @Test
  void aStateOfAnotherPresetIsRefusedNamingBothAndChangesNothing() {
    VitConfig other = FM.withDepth(2).withName("fm-shallow");
    TrainingState foreign;
    try (TrainingSession s =
        TrainingSession.create(
            new TrainingConfig(other, 1, FAST, TargetMode.NONE, 0.1), Device.cpu())) {
      foreign = s.captureState();
    }
    try (TrainingSession s = TrainingSession.create(config(TargetMode.NONE, 1), Device.cpu())) {
      TrainingState before = s.captureState();
      assertThatThrownBy(() -> s.restore(foreign))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'fm-shallow'")
          .hasMessageContaining("'vit-tiny-fm'");
      assertThat(s.captureState()).isEqualTo(before);
    }
  }

  @Test
  void aParameterOfTheWrongShapeIsRefusedBeforeAnythingIsCopied() {
    TrainingState forged;
    try (TrainingSession other =
        TrainingSession.create(config(TargetMode.NONE, 99), Device.cpu())) {
      TrainingState s = other.captureState(); // before any step: no moments
      List<NamedTensor> params = new ArrayList<>(s.parameters());
      NamedTensor last = params.get(params.size() - 1);
      params.set(params.size() - 1, new NamedTensor(last.name(), new long[] {11}, new float[11]));
      forged =
          TrainingState.builder().setPreset(s.preset()).setStep(0).setParameters(params).build();
    }
    try (TrainingSession s = TrainingSession.create(config(TargetMode.NONE, 1), Device.cpu())) {
      TrainingState before = s.captureState();
      assertThatThrownBy(() -> s.restore(forged))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'07head_bias'")
          .hasMessageContaining("[11]")
          .hasMessageContaining("[10]");
      // The first parameters (from another seed) were not copied in before the check failed.
      assertThat(s.captureState()).isEqualTo(before);
    }
  }

  @Test
  void aBatchForAnotherImageSizeIsRefusedWithTheFix() {
    VitConfig big = VitPresets.DEIT_TINY;
    MixedBatch batch =
        new MixedBatch(
            0,
            3,
            224,
            224,
            new float[2 * 3 * 224 * 224],
            new int[2],
            new int[2],
            big.numTokens(),
            new float[2 * big.numTokens()],
            1.0);
    try (TrainingSession s = TrainingSession.create(config(TargetMode.NONE, 1), Device.cpu())) {
      assertThatThrownBy(() -> s.step(batch))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("3x224x224")
          .hasMessageContaining("vit-tiny-fm takes 1x28x28");
    }
  }
}
