package io.tlalign.model.optim;

/**
 * Linear warm-up then cosine decay, as a pure function of the step (no clock, no state), so that a
 * restored run sees exactly the rates the uninterrupted run would have.
 *
 * <p>For 1-based step {@code t}, warm-up {@code W}, total {@code T}, peak {@code p} and floor
 * {@code m}:
 *
 * <pre>
 * t &lt;= W:       lr = p * t / W                                   (step 1 gets p / W, never 0)
 * W &lt; t &lt; T:   lr = m + (p - m) * (1 + cos(pi * (t - W) / (T - W))) / 2
 * t &gt;= T:       lr = m
 * </pre>
 *
 * <p>This is the schedule of timm's {@code CosineLRScheduler} with per-step warm-up from 0 and no
 * restarts (Loshchilov and Hutter, "SGDR", ICLR 2017).
 */
public final class LearningRateSchedule {

  private final double peak;
  private final double min;
  private final long warmup;
  private final long total;

  public LearningRateSchedule(AdamWConfig config) {
    this.peak = config.peakLearningRate();
    this.min = config.minLearningRate();
    this.warmup = config.warmupSteps();
    this.total = config.totalSteps();
  }

  /**
   * The learning rate of 1-based step {@code step}.
   *
   * @throws IllegalArgumentException if {@code step < 1}
   */
  public double learningRate(long step) {
    if (step < 1) {
      throw new IllegalArgumentException(
          "step is " + step + "; steps are counted from 1 (the first update is step 1)");
    }
    if (step <= warmup) {
      return peak * step / warmup;
    }
    if (step >= total) {
      return min;
    }
    double progress = (double) (step - warmup) / (total - warmup);
    return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
}
