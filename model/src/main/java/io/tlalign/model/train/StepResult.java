package io.tlalign.model.train;

/**
 * What one training step did, for metrics and logs.
 *
 * @param step optimizer steps applied so far, this one included when it was not refused
 * @param batchIndex the batch's position in its stream
 * @param batchSize B
 * @param loss mean soft-target cross-entropy of the batch (may be NaN or infinite when refused)
 * @param learningRate the rate the update used; for a refused step, the rate it would have used
 * @param gradNorm global L2 norm of the gradients before clipping; NaN when the loss was refused
 *     before the backward pass
 * @param meanLambda mean share of source A by area (the CutMix weight)
 * @param meanAlignedShareA mean over the batch of the class token's final weight for source A: how
 *     much of its own image the model saw, against {@code meanLambda}
 * @param alignedSharesA per image, the class token's final weight for source A ({@code batchSize}
 *     values)
 * @param refused true when the update was refused; parameters and moments are then unchanged
 * @param refusalReason why, or null
 * @param refusedSteps refused steps so far in this session, this one included
 */
public record StepResult(
    long step,
    long batchIndex,
    int batchSize,
    double loss,
    double learningRate,
    double gradNorm,
    double meanLambda,
    double meanAlignedShareA,
    float[] alignedSharesA,
    boolean refused,
    String refusalReason,
    long refusedSteps) {}
