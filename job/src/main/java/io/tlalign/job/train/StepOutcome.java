package io.tlalign.job.train;

import io.tlalign.model.train.StepResult;
import io.tlalign.schemas.TrainingMetric;

/**
 * What one step of the core did: the session's result, and the metric to report for it, or null
 * when this step is not one that reports (see {@link StepMetrics#due}).
 */
public record StepOutcome(StepResult result, TrainingMetric metric) {

  /** Images the step trained: its batch, or none when it was refused. */
  public int trainedImages() {
    return result.refused() ? 0 : result.batchSize();
  }
}
