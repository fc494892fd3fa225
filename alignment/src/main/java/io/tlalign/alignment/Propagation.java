package io.tlalign.alignment;

/**
 * The TL-Align propagation rule (Xiao et al., ICCV 2023, arXiv 2210.06455, eq. 5-6): each block
 * maps the token weights {@code T [N][S]} to {@code (M @ T + T) / 2}, where {@code M} is that
 * block's softmax attention averaged over heads. The half-half mix mirrors the residual branch:
 * attention mixes tokens, the skip connection keeps each token's own content.
 *
 * <p>The rule is linear and row-stochastic, so it works for any number S of weights per token:
 * carrying S = 2 source weights gives exactly the target of the published K-class form.
 */
public final class Propagation {

  private Propagation() {}

  /** Arithmetic mean over heads: {@code [H][N][N] -> [N][N]}. */
  public static double[][] meanOverHeads(double[][][] attention) {
    int heads = attention.length;
    if (heads == 0) {
      throw new IllegalArgumentException("attention has no heads");
    }
    int n = attention[0].length;
    double[][] mean = new double[n][n];
    for (double[][] head : attention) {
      if (head.length != n) {
        throw new IllegalArgumentException("heads disagree on token count");
      }
      for (int q = 0; q < n; q++) {
        for (int k = 0; k < n; k++) {
          mean[q][k] += head[q][k];
        }
      }
    }
    for (int q = 0; q < n; q++) {
      for (int k = 0; k < n; k++) {
        mean[q][k] /= heads;
      }
    }
    return mean;
  }

  /** One block: {@code (M @ T + T) / 2} for {@code M [N][N]} and {@code T [N][S]}. */
  public static double[][] step(double[][] meanAttention, double[][] weights) {
    if (meanAttention.length != weights.length) {
      throw new IllegalArgumentException(
          "attention covers "
              + meanAttention.length
              + " tokens but weights have "
              + weights.length);
    }
    double[][] mixed = Matrices.multiply(meanAttention, weights);
    for (int i = 0; i < mixed.length; i++) {
      for (int j = 0; j < mixed[i].length; j++) {
        mixed[i][j] = 0.5 * (mixed[i][j] + weights[i][j]);
      }
    }
    return mixed;
  }
}
