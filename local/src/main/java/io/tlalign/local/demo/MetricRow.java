package io.tlalign.local.demo;

import io.tlalign.schemas.TrainingMetric;

/** One training metric of the demo: a row of {@code metrics.csv}. */
public record MetricRow(
    long step,
    double loss,
    double lr,
    double imagesPerSecond,
    double meanLambda,
    double meanAlignedShareA) {

  /** The row of a training metric from the metrics topic. */
  public static MetricRow of(TrainingMetric m) {
    return new MetricRow(
        m.getStep(),
        m.getLoss(),
        m.getLearningRate(),
        m.getImagesPerSecond(),
        m.getMeanLambda(),
        m.getMeanAlignedShareA());
  }

  /** The same row with another rate (the progress line shows a smoothed one). */
  public MetricRow withImagesPerSecond(double rate) {
    return new MetricRow(step, loss, lr, rate, meanLambda, meanAlignedShareA);
  }
}
