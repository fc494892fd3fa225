package io.tlalign.alignment.vectors;

import io.tlalign.alignment.Box;
import io.tlalign.alignment.Pooling;
import io.tlalign.alignment.TokenLayout;

/**
 * One parsed {@code tl-align-testvector/1} file: the inputs of a case and the values an independent
 * float64 implementation computed from them. Field meanings are in {@code
 * shared/testvectors/tl-align/README.md}.
 */
public record TestVector(
    String name,
    TokenLayout layout,
    Pooling pooling,
    int batchSize,
    int numHeads,
    int numLayers,
    int numClasses,
    double labelSmoothing,
    Box box,
    double lam,
    int[][] pixelMask,
    int[] labels,
    int[] labelsA,
    int[] labelsB,
    double[][][][][] attention,
    double[][] logits,
    Expected expected) {

  /** The {@code expected.*} fields. */
  public record Expected(
      double[][][] initialWeights,
      double[][][][] meanAttention,
      double[][][][] alignedWeights,
      double[][] finalWeights,
      double[][] target,
      double[][] cutmixTarget,
      double loss,
      double cutmixLoss) {}

  public static final String FORMAT = "tl-align-testvector/1";
}
