package io.tlalign.job.operators;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.model.state.TrainingState;
import java.io.Serializable;
import java.util.List;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * How the single trainer takes over a checkpoint written by another trainer under its uid (the
 * data-parallel replicas' {@code ReplicaHandover}), when it holds no training state of its own.
 * Passed in by the job, so this package does not depend on the replicas'.
 */
@FunctionalInterface
public interface TakeOver extends Serializable {

  /** Takes over nothing: a checkpoint without the trainer's own state is refused. */
  TakeOver NONE = (store, preset) -> null;

  /**
   * What the checkpoint in {@code store} hands over, or null when it holds nothing to take over.
   *
   * @throws Exception when it holds something that cannot be read; refused by name
   */
  Taken read(OperatorStateStore store, String preset) throws Exception;

  /**
   * What is taken over.
   *
   * @param start where training continues
   * @param ledger the records already trained
   * @param batches the batches not trained yet, in batch order
   * @param description for the log: where from, and how much
   */
  record Taken(
      TrainingState start, List<String> ledger, List<TrainingBatch> batches, String description) {}
}
