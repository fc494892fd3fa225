package io.tlalign.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  // peak 1e-3, floor 1e-5, 4 warm-up steps, cosine until step 14.
  private static final LearningRateSchedule S =
      new LearningRateSchedule(AdamWConfig.defaults().withSchedule(4, 14));

  @Test
  void warmUpRisesLinearlyFromTheFirstStepToThePeak() {
    assertThat(S.learningRate(1)).isCloseTo(2.5e-4, within(1e-18));
    assertThat(S.learningRate(2)).isCloseTo(5.0e-4, within(1e-18));
    assertThat(S.learningRate(3)).isCloseTo(7.5e-4, within(1e-18));
    assertThat(S.learningRate(4)).isCloseTo(1.0e-3, within(1e-18));
  }

  @Test
  void cosineDecaysFromThePeakToTheFloor() {
    // step 5: progress 0.1, 1e-5 + 0.99e-3 * (1 + cos(0.1 pi)) / 2
    assertThat(S.learningRate(5)).isCloseTo(9.757729755661011e-4, within(1e-15));
    // step 9: progress 0.5, half-way between peak and floor
    assertThat(S.learningRate(9)).isCloseTo(5.05e-4, within(1e-15));
    // step 13: progress 0.9, 1e-5 + 0.99e-3 * (1 - cos(0.1 pi)) / 2
    assertThat(S.learningRate(13)).isCloseTo(3.4227024433899e-5, within(1e-15));
  }

  @Test
  void theFloorHoldsFromTheLastStepOn() {
    assertThat(S.learningRate(14)).isEqualTo(1e-5);
    assertThat(S.learningRate(15)).isEqualTo(1e-5);
    assertThat(S.learningRate(1_000_000)).isEqualTo(1e-5);
  }

  @Test
  void withoutWarmUpTheFirstStepIsAlreadyOnTheCosine() {
    LearningRateSchedule s = new LearningRateSchedule(AdamWConfig.defaults().withSchedule(0, 10));
    // step 1: progress 0.1
    assertThat(s.learningRate(1)).isCloseTo(9.757729755661011e-4, within(1e-15));
  }

  @Test
  void isAPureFunctionOfTheStep() {
    double first = S.learningRate(7);
    S.learningRate(3);
    assertThat(S.learningRate(7)).isEqualTo(first);
  }

  @Test
  void stepsAreCountedFromOne() {
    assertThatThrownBy(() -> S.learningRate(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step is 0");
  }
}
