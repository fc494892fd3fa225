package io.tlalign.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class AdamWConfigTest {

  private static final AdamWConfig D = AdamWConfig.defaults();

  @Test
  void defaultsAreTheDocumentedValues() {
    assertThat(D).isEqualTo(new AdamWConfig(1e-3, 0.9, 0.999, 1e-8, 0.05, 200, 10_000, 1e-5, 1.0));
    assertThat(D.clippingEnabled()).isTrue();
  }

  @Test
  void copiesChangeOneField() {
    assertThat(D.withPeakLearningRate(5e-4).peakLearningRate()).isEqualTo(5e-4);
    assertThat(D.withWarmupSteps(10).warmupSteps()).isEqualTo(10);
    assertThat(D.withTotalSteps(500).totalSteps()).isEqualTo(500);
    assertThat(D.withSchedule(5, 50))
        .extracting("warmupSteps", "totalSteps")
        .containsExactly(5L, 50L);
    assertThat(D.withWeightDecay(0).weightDecay()).isZero();
    assertThat(D.withMinLearningRate(0).minLearningRate()).isZero();
    assertThat(D.withTotalSteps(500).peakLearningRate()).isEqualTo(D.peakLearningRate());
  }

  @Test
  void aPeakBelowTheFloorLowersTheFloor() {
    assertThat(D.withPeakLearningRate(1e-6).minLearningRate()).isEqualTo(1e-6);
  }

  @Test
  void clippingIsDisabledByZeroNegativeOrInfiniteNorms() {
    assertThat(D.withMaxGradNorm(0).clippingEnabled()).isFalse();
    assertThat(D.withMaxGradNorm(-1).clippingEnabled()).isFalse();
    assertThat(D.withMaxGradNorm(Double.POSITIVE_INFINITY).clippingEnabled()).isFalse();
  }

  @Test
  void everyFieldIsValidatedWithAMessageNamingTheValueAndTheFix() {
    refused(() -> D.withPeakLearningRate(0), "peakLearningRate is 0.0", "> 0");
    refused(() -> D.withPeakLearningRate(Double.NaN), "peakLearningRate is NaN", "> 0");
    refused(
        () -> new AdamWConfig(1e-3, 1.0, 0.999, 1e-8, 0.05, 200, 10_000, 1e-5, 1.0),
        "beta1 is 1.0",
        "[0, 1)");
    refused(
        () -> new AdamWConfig(1e-3, 0.9, -0.1, 1e-8, 0.05, 200, 10_000, 1e-5, 1.0),
        "beta2 is -0.1",
        "[0, 1)");
    refused(
        () -> new AdamWConfig(1e-3, 0.9, 0.999, 0, 0.05, 200, 10_000, 1e-5, 1.0),
        "epsilon is 0.0",
        "1e-8");
    refused(() -> D.withWeightDecay(-0.01), "weightDecay is -0.01", ">= 0");
    refused(() -> D.withWarmupSteps(-1), "warmupSteps is -1", "0 for no warm-up");
    refused(() -> D.withSchedule(0, 0), "totalSteps is 0", "at least 1");
    refused(() -> D.withTotalSteps(100), "warmupSteps (200)", "totalSteps (100)");
    refused(() -> D.withMinLearningRate(2e-3), "minLearningRate is 0.002", "peakLearningRate");
    refused(() -> D.withMaxGradNorm(Double.NaN), "maxGradNorm is NaN", "disable clipping");
  }

  private static void refused(Supplier<AdamWConfig> config, String... parts) {
    assertThatThrownBy(config::get)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContainingAll(parts);
  }
}
