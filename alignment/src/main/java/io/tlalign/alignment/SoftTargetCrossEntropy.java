package io.tlalign.alignment;

/**
 * Soft-target cross-entropy: the batch mean of {@code sum_k -target[b][k] *
 * log_softmax(logits[b])[k]}, with a max-shifted log-sum-exp so large logits stay finite.
 */
public final class SoftTargetCrossEntropy {

  private SoftTargetCrossEntropy() {}

  public static double loss(double[][] logits, double[][] targets) {
    if (logits.length != targets.length || logits.length == 0) {
      throw new IllegalArgumentException(
          "need one target row per logit row, got "
              + logits.length
              + " logits and "
              + targets.length
              + " targets");
    }
    double total = 0;
    for (int b = 0; b < logits.length; b++) {
      double[] row = logits[b];
      if (row.length != targets[b].length) {
        throw new IllegalArgumentException(
            "row " + b + ": " + row.length + " logits but " + targets[b].length + " targets");
      }
      double max = Double.NEGATIVE_INFINITY;
      for (double v : row) {
        max = Math.max(max, v);
      }
      double sumExp = 0;
      for (double v : row) {
        sumExp += Math.exp(v - max);
      }
      double logSumExp = max + Math.log(sumExp);
      for (int k = 0; k < row.length; k++) {
        total -= targets[b][k] * (row[k] - logSumExp);
      }
    }
    return total / logits.length;
  }
}
