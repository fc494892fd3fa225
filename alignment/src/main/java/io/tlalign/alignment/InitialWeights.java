package io.tlalign.alignment;

/**
 * Per-token source weights before the first block: for a patch token, the fraction of its pixels
 * from source A (outside the box) and from source B (inside it); the class token starts at {@code
 * [lambda, 1 - lambda]}. Every sample of a batch shares the box, so one {@code [N][2]} table serves
 * the whole batch.
 */
public final class InitialWeights {

  /** Index of source A (the sample itself) in every weight vector. */
  public static final int SOURCE_A = 0;

  /** Index of source B (the partner whose pixels fill the box). */
  public static final int SOURCE_B = 1;

  private InitialWeights() {}

  /**
   * @return weights {@code [N][2]}, rows non-negative and summing to 1
   */
  public static double[][] forBox(TokenLayout layout, Box box) {
    double lambda = box.lambda(layout.imageHeight(), layout.imageWidth());
    int p = layout.patchSize();
    double pixelsPerPatch = (double) p * p;
    double[][] w = new double[layout.numTokens()][2];
    if (layout.hasClsToken()) {
      w[0][SOURCE_A] = lambda;
      w[0][SOURCE_B] = 1.0 - lambda;
    }
    for (int r = 0; r < layout.gridHeight(); r++) {
      for (int c = 0; c < layout.gridWidth(); c++) {
        double inBox = box.overlap(r * p, (r + 1) * p, c * p, (c + 1) * p) / pixelsPerPatch;
        int t = layout.tokenIndex(r, c);
        w[t][SOURCE_A] = 1.0 - inBox;
        w[t][SOURCE_B] = inBox;
      }
    }
    return w;
  }

  /** The same table repeated for each of {@code batchSize} samples: {@code [B][N][2]}. */
  public static double[][][] forBatch(TokenLayout layout, Box box, int batchSize) {
    double[][] one = forBox(layout, box);
    double[][][] all = new double[batchSize][][];
    for (int b = 0; b < batchSize; b++) {
      all[b] = Matrices.copy(one);
    }
    return all;
  }
}
