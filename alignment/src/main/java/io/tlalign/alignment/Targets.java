package io.tlalign.alignment;

/**
 * Soft targets over K classes: the smoothed one-hot, and its mix over the two sources of a CutMix
 * pair (by the aligned class-token weights for TL-Align, by lambda for plain CutMix).
 */
public final class Targets {

  private Targets() {}

  /** Every entry {@code s/K}, except entry {@code c}: {@code 1 - s + s/K}. */
  public static double[] smoothedOneHot(int c, int numClasses, double smoothing) {
    if (c < 0 || c >= numClasses) {
      throw new IllegalArgumentException(
          "label " + c + " is outside [0, " + numClasses + ") classes");
    }
    if (!(smoothing >= 0 && smoothing <= 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + smoothing);
    }
    double off = smoothing / numClasses;
    double[] t = new double[numClasses];
    java.util.Arrays.fill(t, off);
    t[c] = 1.0 - smoothing + off;
    return t;
  }

  /** {@code wA * onehot_s(labelA) + wB * onehot_s(labelB)}. */
  public static double[] mix(
      double weightA, double weightB, int labelA, int labelB, int numClasses, double smoothing) {
    double[] a = smoothedOneHot(labelA, numClasses, smoothing);
    double[] b = smoothedOneHot(labelB, numClasses, smoothing);
    double[] t = new double[numClasses];
    for (int k = 0; k < numClasses; k++) {
      t[k] = weightA * a[k] + weightB * b[k];
    }
    return t;
  }

  /** Rows {@code [B][K]} from per-sample final weights {@code [B][2]} and both label arrays. */
  public static double[][] mixBatch(
      double[][] finalWeights, int[] labelsA, int[] labelsB, int numClasses, double smoothing) {
    double[][] t = new double[finalWeights.length][];
    for (int b = 0; b < t.length; b++) {
      t[b] =
          mix(
              finalWeights[b][InitialWeights.SOURCE_A],
              finalWeights[b][InitialWeights.SOURCE_B],
              labelsA[b],
              labelsB[b],
              numClasses,
              smoothing);
    }
    return t;
  }

  /** The plain CutMix target: every sample weighted by the batch's lambda. */
  public static double[][] cutMixBatch(
      double lambda, int[] labelsA, int[] labelsB, int numClasses, double smoothing) {
    double[][] w = new double[labelsA.length][];
    for (int b = 0; b < w.length; b++) {
      w[b] = new double[] {lambda, 1.0 - lambda};
    }
    return mixBatch(w, labelsA, labelsB, numClasses, smoothing);
  }
}
