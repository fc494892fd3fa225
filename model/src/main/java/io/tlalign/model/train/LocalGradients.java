package io.tlalign.model.train;

import io.tlalign.model.state.NamedTensor;
import java.util.List;

/**
 * One replica's half of a data-parallel step ({@link TrainingSession#gradients}): the gradients of
 * its batch's mean loss, copied to host memory, and what the step reports about the batch.
 *
 * @param batchIndex the batch's position in its stream
 * @param batchSize B of this replica's batch: the weight of its gradients in the average
 * @param loss mean soft-target cross-entropy of the batch; not finite when the pass was refused
 * @param meanLambda mean share of source A by area
 * @param meanAlignedShareA mean TL-Align share of source A read by the classifier
 * @param alignedSharesA per image, that share
 * @param gradients per trainable parameter in the model's order, the gradient; empty when the loss
 *     was not finite (no backward pass ran)
 */
public record LocalGradients(
    long batchIndex,
    int batchSize,
    double loss,
    double meanLambda,
    double meanAlignedShareA,
    float[] alignedSharesA,
    List<NamedTensor> gradients) {

  /** Whether the backward pass ran (a finite loss). */
  public boolean finite() {
    return Double.isFinite(loss) && !gradients.isEmpty();
  }
}
