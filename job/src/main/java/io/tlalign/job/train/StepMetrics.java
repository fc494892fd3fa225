package io.tlalign.job.train;

import io.tlalign.model.train.StepResult;
import io.tlalign.schemas.TrainingMetric;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link TrainingMetric} a step reports: every {@code metricsEvery}-th applied step, and every
 * refused one (a refusal must never go unseen), with the mean lambda against the mean aligned share
 * that TL-Align is about.
 */
public final class StepMetrics {

  private StepMetrics() {}

  /** Whether step {@code r} is reported. */
  public static boolean due(StepResult r, int metricsEvery) {
    return r.refused() || r.step() % metricsEvery == 0;
  }

  /** The metric of step {@code r} at {@code imagesPerSecond}, stamped {@code time}. */
  public static TrainingMetric of(StepResult r, double imagesPerSecond, Instant time) {
    return TrainingMetric.newBuilder()
        .setStep(r.step())
        .setLoss(r.loss())
        .setAccuracy(null)
        .setLearningRate(r.learningRate())
        .setImagesPerSecond(imagesPerSecond)
        .setMeanLambda(r.meanLambda())
        .setMeanAlignedShareA(r.meanAlignedShareA())
        .setAlignedSharesA(boxed(r.alignedSharesA()))
        .setTime(time)
        .build();
  }

  /** Avro's array field wants a list; null stays null. */
  private static List<Float> boxed(float[] values) {
    if (values == null) {
      return null;
    }
    List<Float> out = new ArrayList<>(values.length);
    for (float v : values) {
      out.add(v);
    }
    return out;
  }
}
