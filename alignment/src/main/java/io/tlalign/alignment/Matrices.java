package io.tlalign.alignment;

/** The few dense double-precision operations the reference needs, kept plain and readable. */
final class Matrices {

  private Matrices() {}

  static double[][] copy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /** {@code a [n][m] @ b [m][s]}. */
  static double[][] multiply(double[][] a, double[][] b) {
    int n = a.length;
    int m = b.length;
    int s = b[0].length;
    double[][] out = new double[n][s];
    for (int i = 0; i < n; i++) {
      if (a[i].length != m) {
        throw new IllegalArgumentException(
            "row " + i + " has " + a[i].length + " columns, expected " + m);
      }
      for (int k = 0; k < m; k++) {
        double aik = a[i][k];
        for (int j = 0; j < s; j++) {
          out[i][j] += aik * b[k][j];
        }
      }
    }
    return out;
  }
}
