package io.tlalign.model.label;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tlalign.model.NativeArrays;

/**
 * Soft targets [B, K] on the device: the smoothed one-hot, and its mix over the two sources of a
 * CutMix pair, by the aligned class-token weights (TL-Align) or by lambda (plain CutMix). Mirrors
 * {@link io.tlalign.alignment.Targets}.
 *
 * <p>Shapes: B batch, K classes.
 */
public final class SoftTargets {

  private SoftTargets() {}

  /**
   * Every entry {@code s/K}, except entry {@code labels[b]}: {@code 1 - s + s/K}.
   *
   * @return [B, K] float32, owned by {@code manager}
   */
  public static NDArray smoothedOneHot(
      NDManager manager, int[] labels, int numClasses, double smoothing) {
    if (!(smoothing >= 0 && smoothing <= 1)) {
      throw new IllegalArgumentException(
          "label smoothing must be in [0, 1], got " + smoothing + "; 0.1 is the usual choice");
    }
    float off = (float) (smoothing / numClasses);
    float on = (float) (1.0 - smoothing + smoothing / numClasses);
    // Built on the host: B*K floats are tiny, and the values are exact, not a product of ops.
    float[] t = new float[labels.length * numClasses];
    java.util.Arrays.fill(t, off);
    for (int b = 0; b < labels.length; b++) {
      int c = labels[b];
      if (c < 0 || c >= numClasses) {
        throw new IllegalArgumentException(
            "label " + c + " of sample " + b + " is outside [0, " + numClasses + ") classes");
      }
      t[b * numClasses + c] = on;
    }
    return NativeArrays.copyOf(manager, t, new Shape(labels.length, numClasses));
  }

  /**
   * {@code w[:, 0] * onehot(labelsA) + w[:, 1] * onehot(labelsB)}.
   *
   * @param weights [B, 2] source weights per sample (the aligned class-token weights)
   * @return [B, K], owned by the manager of {@code weights}
   */
  public static NDArray mix(
      NDArray weights, int[] labelsA, int[] labelsB, int numClasses, double smoothing) {
    NDManager m = weights.getManager();
    NDArray a = smoothedOneHot(m, labelsA, numClasses, smoothing); // [B, K]
    NDArray b = smoothedOneHot(m, labelsB, numClasses, smoothing); // [B, K]
    NDArray w = weights.toType(DataType.FLOAT32, false);
    NDArray wa = w.get(new NDIndex(":, 0:1")); // [B, 1], broadcast over K
    NDArray wb = w.get(new NDIndex(":, 1:2")); // [B, 1]
    return a.mul(wa).add(b.mul(wb)); // [B, K]
  }

  /**
   * The plain CutMix target: every sample weighted by the batch's lambda, {@code lambda *
   * onehot(labelsA) + (1 - lambda) * onehot(labelsB)}.
   *
   * @return [B, K], owned by {@code manager}
   */
  public static NDArray cutMix(
      NDManager manager,
      double lambda,
      int[] labelsA,
      int[] labelsB,
      int numClasses,
      double smoothing) {
    NDArray a = smoothedOneHot(manager, labelsA, numClasses, smoothing);
    NDArray b = smoothedOneHot(manager, labelsB, numClasses, smoothing);
    return a.mul((float) lambda).add(b.mul((float) (1.0 - lambda)));
  }

  /**
   * No mixing: the smoothed one-hot of each sample's own label.
   *
   * @return [B, K], owned by {@code manager}
   */
  public static NDArray plain(NDManager manager, int[] labels, int numClasses, double smoothing) {
    return smoothedOneHot(manager, labels, numClasses, smoothing);
  }
}
