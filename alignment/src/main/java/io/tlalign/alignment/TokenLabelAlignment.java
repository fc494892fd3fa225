package io.tlalign.alignment;

/**
 * TL-Align for one batch, composed from the pure functions of this package: initial weights from
 * the box, the propagation rule through every block, the read-out, and the target mix.
 *
 * <p>Reference: Xiao et al., "Token-Label Alignment for Vision Transformers", ICCV 2023, arXiv
 * 2210.06455. Conventions are those of {@code shared/testvectors/tl-align/README.md}.
 */
public final class TokenLabelAlignment {

  private TokenLabelAlignment() {}

  /**
   * Weights after each block.
   *
   * @param initial {@code [B][N][S]} weights before the first block
   * @param meanAttention {@code [L][B][N][N]} head-averaged attention of every block
   * @return {@code [L][B][N][S]}: entry l holds the weights after block l
   */
  public static double[][][][] propagate(double[][][] initial, double[][][][] meanAttention) {
    int layers = meanAttention.length;
    double[][][][] out = new double[layers][][][];
    double[][][] current = initial;
    for (int l = 0; l < layers; l++) {
      if (meanAttention[l].length != initial.length) {
        throw new IllegalArgumentException(
            "block "
                + l
                + " has attention for "
                + meanAttention[l].length
                + " samples, weights for "
                + initial.length);
      }
      double[][][] next = new double[current.length][][];
      for (int b = 0; b < current.length; b++) {
        next[b] = Propagation.step(meanAttention[l][b], current[b]);
      }
      out[l] = next;
      current = next;
    }
    return out;
  }

  /** Read-out of every sample's final weights: {@code [B][N][S] -> [B][S]}. */
  public static double[][] readOut(double[][][] lastWeights, Pooling pooling) {
    double[][] f = new double[lastWeights.length][];
    for (int b = 0; b < f.length; b++) {
      f[b] = pooling.readOut(lastWeights[b]);
    }
    return f;
  }

  /** Labels of source B for every sample: {@code labels[partner[i]]}. */
  public static int[] partnerLabels(int[] labels, int[] partners) {
    int[] lb = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      lb[i] = labels[partners[i]];
    }
    return lb;
  }
}
