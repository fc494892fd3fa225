package io.tlalign.local.experiment;

import io.tlalign.local.AccuracyCurve;
import java.time.Duration;
import java.util.List;

/**
 * One training run of the experiment.
 *
 * @param method none, cutmix or tlalign
 * @param seed the job seed
 * @param testAccuracy the final model's top-1 on the whole test split
 * @param curve test accuracy of each published model on the curve's test subset
 * @param trainingWall wall time of the training job
 * @param imagesPerSecond mean training rate
 * @param steps optimizer steps
 * @param shareMinusLambda per image of the reported steps: TL-Align share of source A minus the
 *     batch's lambda
 */
public record RunResult(
    String method,
    long seed,
    double testAccuracy,
    List<AccuracyCurve.Point> curve,
    Duration trainingWall,
    double imagesPerSecond,
    long steps,
    float[] shareMinusLambda) {}
