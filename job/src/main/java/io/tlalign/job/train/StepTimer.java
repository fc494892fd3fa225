package io.tlalign.job.train;

/**
 * Wall-clock figures of training steps for benchmarks (compute time, first and last step, images);
 * the operators back it with Flink accumulators. Reported only; nothing in the math reads it.
 */
public interface StepTimer {

  /** Times nothing. */
  StepTimer NONE =
      new StepTimer() {
        @Override
        public long begin() {
          return 0;
        }

        @Override
        public void end(long t0, int batchImages) {}
      };

  /** Before a step: the clock. */
  long begin();

  /** After a step that began at {@code t0} and trained {@code batchImages}. */
  void end(long t0, int batchImages);
}
