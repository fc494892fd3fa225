package io.tlalign.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.tlalign.model.TestEngine;
import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two halves of a data-parallel step ({@link TrainingSession#gradients} then {@link
 * TrainingSession#applyGradients}) with a session's own gradients are exactly {@link
 * TrainingSession#step}: the gradients go to host memory and back unchanged, then the same clipping
 * and AdamW update run. Also in a session restored from a state, whose parameters have no gradient
 * tensors yet.
 */
class TwoPhaseStepTest {

  private static final VitConfig FM = VitPresets.VIT_TINY_FM;
  private static final AdamWConfig FAST =
      new AdamWConfig(2e-3, 0.9, 0.999, 1e-8, 0.05, 0, 1_000, 1e-5, 1.0);
  private static final TrainingConfig CONFIG =
      new TrainingConfig(FM, 3, FAST, TargetMode.TLALIGN, 0.1);

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void gradientsThenApplyingThemIsBitIdenticalToOneStep() {
    try (TrainingSession whole = TrainingSession.create(CONFIG, Device.cpu());
        TrainingSession halves = TrainingSession.create(CONFIG, Device.cpu())) {
      for (int i = 0; i < 4; i++) {
        MixedBatch batch = SyntheticTexture.cutMix(FM, 8, i);
        StepResult expected = whole.step(batch);
        LocalGradients g = halves.gradients(batch);
        assertThat(halves.stepCount()).as("the first half changes nothing").isEqualTo(i);
        StepResult got = halves.applyGradients(g, g.gradients());
        assertThat(got.loss()).isEqualTo(expected.loss());
        assertThat(got.gradNorm()).isEqualTo(expected.gradNorm());
        assertThat(got.step()).isEqualTo(expected.step());
      }
      assertThat(halves.captureState()).isEqualTo(whole.captureState());
    }
  }

  @Test
  void aRestoredSessionAppliesGradientsAsTheOriginalDoes() {
    try (TrainingSession original = TrainingSession.create(CONFIG, Device.cpu())) {
      for (int i = 0; i < 3; i++) {
        original.step(SyntheticTexture.cutMix(FM, 8, i));
      }
      TrainingState cut = original.captureState();
      LocalGradients g = original.gradients(SyntheticTexture.cutMix(FM, 8, 9));
      try (TrainingSession restored = TrainingSession.fromState(CONFIG, Device.cpu(), cut)) {
        restored.applyGradients(g, g.gradients());
        original.applyGradients(g, g.gradients());
        TrainingState a = original.captureState();
        TrainingState b = restored.captureState();
        assertThat(b.parameters()).isEqualTo(a.parameters());
        assertThat(b.firstMoments()).isEqualTo(a.firstMoments());
        assertThat(b).isEqualTo(a);
      }
    }
  }
}
