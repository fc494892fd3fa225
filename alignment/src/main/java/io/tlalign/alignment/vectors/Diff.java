package io.tlalign.alignment.vectors;

/** Largest absolute difference between nested arrays of equal shape; NaN anywhere gives NaN. */
public final class Diff {

  private Diff() {}

  public static double abs(double a, double b) {
    return Math.abs(a - b);
  }

  public static double max(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("length " + a.length + " vs " + b.length);
    }
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs(a[i] - b[i]);
      if (Double.isNaN(d)) {
        return Double.NaN;
      }
      m = Math.max(m, d);
    }
    return m;
  }

  public static double max(double[][] a, double[][] b) {
    return fold(a.length, b.length, i -> max(a[i], b[i]));
  }

  public static double max(double[][][] a, double[][][] b) {
    return fold(a.length, b.length, i -> max(a[i], b[i]));
  }

  public static double max(double[][][][] a, double[][][][] b) {
    return fold(a.length, b.length, i -> max(a[i], b[i]));
  }

  private static double fold(int la, int lb, java.util.function.IntToDoubleFunction part) {
    if (la != lb) {
      throw new IllegalArgumentException("length " + la + " vs " + lb);
    }
    double m = 0;
    for (int i = 0; i < la; i++) {
      double d = part.applyAsDouble(i);
      if (Double.isNaN(d)) {
        return Double.NaN;
      }
      m = Math.max(m, d);
    }
    return m;
  }
}
