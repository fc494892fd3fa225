package io.tlalign.job.sync;

import io.tlalign.model.train.LocalGradients;
import java.util.List;

/**
 * Under {@link SyncRule#GRADIENTS}: this replica's step whose gradients are published but whose
 * round is not applied yet, as one named value in operator state (a Java record, so Flink
 * serializes it as a POJO type). Its gradients are not kept: they are in the round. What is kept is
 * what the step reports once applied, and the ids of the batch for the ledger.
 *
 * @param round the round the gradients were published as
 * @param batchIndex the batch's position in its stream
 * @param batchSize B of this replica's batch
 * @param loss its mean loss
 * @param meanLambda its mean CutMix area share of source A
 * @param meanAlignedShareA its mean TL-Align share of source A
 * @param alignedSharesA per image, that share
 * @param ids the batch's record ids
 */
public record PendingStep(
    long round,
    long batchIndex,
    int batchSize,
    double loss,
    double meanLambda,
    double meanAlignedShareA,
    float[] alignedSharesA,
    String[] ids) {

  static PendingStep of(long round, LocalGradients g, String[] ids) {
    return new PendingStep(
        round,
        g.batchIndex(),
        g.batchSize(),
        g.loss(),
        g.meanLambda(),
        g.meanAlignedShareA(),
        g.alignedSharesA(),
        ids);
  }

  /** The local half of the step, without gradients (they come from the round). */
  LocalGradients local() {
    return new LocalGradients(
        batchIndex, batchSize, loss, meanLambda, meanAlignedShareA, alignedSharesA, List.of());
  }
}
