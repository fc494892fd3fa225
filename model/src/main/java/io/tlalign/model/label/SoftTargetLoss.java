package io.tlalign.model.label;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;

/**
 * Soft-target cross-entropy on the device: the batch mean of {@code sum_k -target[b][k] *
 * log_softmax(logits[b])[k]}. Mirrors {@link io.tlalign.alignment.SoftTargetCrossEntropy}.
 *
 * <p>Two numerical guards, both about NaN: the log-probabilities come from PyTorch's fused {@code
 * log_softmax} (max-shifted log-sum-exp), never from {@code log(softmax(x))}, which underflows to
 * {@code log(0) = -inf} for a confident wrong class; and entries whose target is exactly 0 are
 * masked out before the product, so {@code 0 * -inf = NaN} cannot occur even for extreme logits.
 * The mask changes neither the value nor the gradient wherever both are finite.
 *
 * <p>Shapes: logits [B, K], targets [B, K] (rows summing to 1), result a scalar [].
 */
public final class SoftTargetLoss {

  private SoftTargetLoss() {}

  /**
   * @return the mean loss, a scalar owned by the manager of {@code logits}
   */
  public static NDArray crossEntropy(NDArray logits, NDArray targets) {
    if (!logits.getShape().equals(targets.getShape())) {
      throw new IllegalArgumentException(
          "logits "
              + logits.getShape()
              + " and targets "
              + targets.getShape()
              + " differ in shape");
    }
    NDArray logProbs = logits.logSoftmax(1); // [B, K]
    NDArray used = NDArrays.where(targets.gt(0f), logProbs, logProbs.zerosLike()); // [B, K]
    return used.mul(targets).sum(new int[] {1}).mean().neg(); // []
  }
}
