/**
 * The one training core behind every training operator (the streaming job's {@code TrainFunction},
 * the data-parallel {@code ReplicaTrainOperator} and the Flink ML fit's {@code FitTrainOperator}):
 * the {@link io.tlalign.model.train.TrainingSession}, the training state in checkpoint chunks with
 * its refusal checks, the step and the metric it reports, the ledger of trained records and the
 * model publishing hooks. It imports nothing of Flink, so it is tested on its own and a fix lands
 * once; the operators are thin adapters that map Flink's life cycle (initializeState, open,
 * processElement, snapshotState, notifyCheckpoint*, close) onto it.
 */
package io.tlalign.job.train;
