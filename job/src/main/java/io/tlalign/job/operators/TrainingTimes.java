package io.tlalign.job.operators;

import io.tlalign.job.train.StepTimer;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * Wall-clock figures of a training operator for benchmarks, as accumulators of the attempt that
 * finished: time spent in training steps (summed over replicas) and the span from the first step's
 * start to the last step's end (over all replicas). Reported only; nothing in the math reads them.
 */
public final class TrainingTimes implements StepTimer {

  public static final String COMPUTE_NANOS = "tlalign-train-compute-nanos";
  public static final String FIRST_STEP_MS = "tlalign-train-first-step-ms";
  public static final String LAST_STEP_MS = "tlalign-train-last-step-ms";
  public static final String IMAGES = "tlalign-train-images";

  private final LongCounter computeNanos = new LongCounter();
  private final LongMinimum firstStep = new LongMinimum();
  private final LongMaximum lastStep = new LongMaximum();
  private final LongCounter images = new LongCounter();
  private boolean started;

  public TrainingTimes(RuntimeContext ctx) {
    ctx.addAccumulator(COMPUTE_NANOS, computeNanos);
    ctx.addAccumulator(FIRST_STEP_MS, firstStep);
    ctx.addAccumulator(LAST_STEP_MS, lastStep);
    ctx.addAccumulator(IMAGES, images);
  }

  /** Before a step: the clock. */
  @Override
  public long begin() {
    if (!started) {
      firstStep.add(System.currentTimeMillis());
      started = true;
    }
    return System.nanoTime();
  }

  /** After a step that began at {@code t0} and trained {@code batchImages}. */
  @Override
  public void end(long t0, int batchImages) {
    computeNanos.add(System.nanoTime() - t0);
    images.add(batchImages);
    lastStep.add(System.currentTimeMillis());
  }
}
