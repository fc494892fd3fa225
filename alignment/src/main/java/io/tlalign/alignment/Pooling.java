package io.tlalign.alignment;

/** Which token's weights the classifier reads, and so which become the target. */
public enum Pooling {
  /** Token 0, the class token. */
  CLS,
  /** The plain mean over all N tokens; only for models without a class token. */
  MEAN;

  /** Reads the final {@code [S]} weights out of {@code T [N][S]}. */
  public double[] readOut(double[][] weights) {
    return switch (this) {
      case CLS -> weights[0].clone();
      case MEAN -> {
        double[] mean = new double[weights[0].length];
        for (double[] row : weights) {
          for (int j = 0; j < mean.length; j++) {
            mean[j] += row[j];
          }
        }
        for (int j = 0; j < mean.length; j++) {
          mean[j] /= weights.length;
        }
        yield mean;
      }
    };
  }

  /** Parses the test-vector spelling ({@code "cls"} or {@code "mean"}). */
  public static Pooling parse(String s) {
    for (Pooling p : values()) {
      if (p.name().equalsIgnoreCase(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException("pooling must be \"cls\" or \"mean\", got \"" + s + "\"");
  }
}
