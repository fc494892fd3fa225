package io.tlalign.model.eval;

/**
 * Top-1 accuracy and mean cross-entropy over a labeled set.
 *
 * @param examples images evaluated
 * @param correct images whose highest logit is their label
 * @param meanLoss mean cross-entropy against the one-hot label (no smoothing)
 */
public record EvalResult(long examples, long correct, double meanLoss) {

  /** {@code correct / examples}, or NaN for an empty set. */
  public double accuracy() {
    return examples == 0 ? Double.NaN : (double) correct / examples;
  }
}
