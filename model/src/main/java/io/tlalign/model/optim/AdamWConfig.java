package io.tlalign.model.optim;

/**
 * The settings of {@link AdamW} and its {@link LearningRateSchedule}, validated on construction.
 *
 * @param peakLearningRate the learning rate at the end of warm-up, {@code > 0}
 * @param beta1 decay of the first-moment average, in {@code [0, 1)}
 * @param beta2 decay of the second-moment average, in {@code [0, 1)}
 * @param epsilon added to the root of the second moment, {@code > 0}
 * @param weightDecay decoupled decay factor for decayed parameters, {@code >= 0}
 * @param warmupSteps steps of linear warm-up, {@code >= 0} and below {@code totalSteps}
 * @param totalSteps the step at which the cosine decay reaches {@code minLearningRate}
 * @param minLearningRate the floor of the schedule, in {@code [0, peakLearningRate]}
 * @param maxGradNorm the global gradient L2 norm to clip to; {@code <= 0} or {@code +inf} disables
 *     clipping
 */
public record AdamWConfig(
    double peakLearningRate,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay,
    long warmupSteps,
    long totalSteps,
    double minLearningRate,
    double maxGradNorm) {

  public AdamWConfig {
    if (!(peakLearningRate > 0) || Double.isInfinite(peakLearningRate)) {
      throw new IllegalArgumentException(
          "peakLearningRate is " + peakLearningRate + "; pass a finite rate > 0, e.g. 1e-3");
    }
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException(
          "beta1 is " + beta1 + "; pass a value in [0, 1), usually 0.9");
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(
          "beta2 is " + beta2 + "; pass a value in [0, 1), usually 0.999");
    }
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException(
          "epsilon is " + epsilon + "; pass a small finite value > 0, usually 1e-8");
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          "weightDecay is "
              + weightDecay
              + "; pass a finite value >= 0 (0 disables it), e.g. 0.05");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException(
          "warmupSteps is " + warmupSteps + "; pass 0 for no warm-up or a positive step count");
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException(
          "totalSteps is " + totalSteps + "; pass the planned number of steps, at least 1");
    }
    if (warmupSteps >= totalSteps) {
      throw new IllegalArgumentException(
          "warmupSteps ("
              + warmupSteps
              + ") must be less than totalSteps ("
              + totalSteps
              + "); shorten the warm-up or raise totalSteps");
    }
    if (!(minLearningRate >= 0) || minLearningRate > peakLearningRate) {
      throw new IllegalArgumentException(
          "minLearningRate is "
              + minLearningRate
              + "; pass a value in [0, peakLearningRate = "
              + peakLearningRate
              + "]");
    }
    if (Double.isNaN(maxGradNorm)) {
      throw new IllegalArgumentException(
          "maxGradNorm is NaN; pass a positive norm to clip to, or 0 (or +inf) to disable clipping");
    }
  }

  /**
   * The defaults: lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.05, 200 warm-up steps of
   * 10,000, min lr 1e-5, clipping at global norm 1.0.
   */
  public static AdamWConfig defaults() {
    return new AdamWConfig(1e-3, 0.9, 0.999, 1e-8, 0.05, 200, 10_000, 1e-5, 1.0);
  }

  /** Whether {@link AdamW#clipGradients} scales gradients at all. */
  public boolean clippingEnabled() {
    return maxGradNorm > 0 && maxGradNorm != Double.POSITIVE_INFINITY;
  }

  /**
   * A copy with another peak learning rate; {@code minLearningRate} is lowered to the new peak if
   * it would exceed it.
   */
  public AdamWConfig withPeakLearningRate(double lr) {
    double minLr = lr > 0 ? Math.min(minLearningRate, lr) : minLearningRate;
    return copy(lr, minLr, warmupSteps, totalSteps, weightDecay, maxGradNorm);
  }

  public AdamWConfig withMinLearningRate(double minLr) {
    return copy(peakLearningRate, minLr, warmupSteps, totalSteps, weightDecay, maxGradNorm);
  }

  public AdamWConfig withWarmupSteps(long warmup) {
    return withSchedule(warmup, totalSteps);
  }

  public AdamWConfig withTotalSteps(long total) {
    return withSchedule(warmupSteps, total);
  }

  /** A copy with both schedule lengths, for changes that would be invalid one at a time. */
  public AdamWConfig withSchedule(long warmup, long total) {
    return copy(peakLearningRate, minLearningRate, warmup, total, weightDecay, maxGradNorm);
  }

  public AdamWConfig withWeightDecay(double wd) {
    return copy(peakLearningRate, minLearningRate, warmupSteps, totalSteps, wd, maxGradNorm);
  }

  public AdamWConfig withMaxGradNorm(double norm) {
    return copy(peakLearningRate, minLearningRate, warmupSteps, totalSteps, weightDecay, norm);
  }

  /** This config with the settings the withers change; the betas and epsilon stay. */
  private AdamWConfig copy(
      double lr, double minLr, long warmup, long total, double wd, double norm) {
    return new AdamWConfig(lr, beta1, beta2, epsilon, wd, warmup, total, minLr, norm);
  }
}
