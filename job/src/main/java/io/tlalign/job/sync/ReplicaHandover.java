package io.tlalign.job.sync;

import io.tlalign.job.operators.TakeOver;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.CheckpointedState;
import io.tlalign.job.train.RestoreSubject;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * What one trainer takes over from the replicas' checkpoint when a job that ran P replicas resumes
 * with one (the replicas and the single trainer share the operator uid {@code train}): the rescale
 * point (the consensus with replica 0's moments), every replica's ledger, and the batches the
 * replicas held, buffered or waiting for their round, in batch order. The replicas' state is
 * cleared once read, so the single trainer's checkpoints do not carry it on.
 */
public final class ReplicaHandover {

  private ReplicaHandover() {}

  /** The single trainer's way to take over a replicas' checkpoint. */
  public static final TakeOver TAKE_OVER = ReplicaHandover::read;

  /**
   * The replicas' handover in {@code store}, or null when it holds no rescale point.
   *
   * @throws Exception when the state cannot be read; a damaged rescale point is refused by name
   */
  public static TakeOver.Taken read(OperatorStateStore store, String preset) throws Exception {
    ListState<byte[]> point = store.getUnionListState(ReplicaTrainOperator.RESCALE_POINT);
    List<byte[]> chunks = new ArrayList<>();
    point.get().forEach(chunks::add);
    if (chunks.isEmpty()) {
      return null;
    }
    TrainingState start = CheckpointedState.decode(chunks, preset, RestoreSubject.replica(0));
    List<String> ledger = new ArrayList<>();
    store.getListState(ReplicaTrainOperator.LEDGER).get().forEach(ledger::add);
    List<TrainingBatch> batches = new ArrayList<>();
    store.getListState(ReplicaTrainOperator.BUFFER).get().forEach(batches::add);
    store.getListState(ReplicaTrainOperator.PENDING_BATCH).get().forEach(batches::add);
    batches.sort(Comparator.comparingLong(b -> b.batchIndex));
    for (var descriptor : ReplicaTrainOperator.BYTE_STATES) {
      store.getListState(descriptor).clear();
    }
    point.clear();
    store.getUnionListState(ReplicaTrainOperator.RESCALE_MOMENTUM).clear();
    store.getListState(ReplicaTrainOperator.LEDGER).clear();
    store.getListState(ReplicaTrainOperator.SYNC_LEDGER).clear();
    store.getListState(ReplicaTrainOperator.BUFFER).clear();
    store.getListState(ReplicaTrainOperator.PENDING_BATCH).clear();
    store.getListState(ReplicaTrainOperator.PENDING).clear();
    store.getListState(ReplicaTrainOperator.PROGRESS).clear();
    store.getListState(ReplicaTrainOperator.REDUCER_POSITION).clear();
    return new TakeOver.Taken(
        start,
        ledger,
        batches,
        "from the consensus of "
            + start.metadata().getOrDefault(Consensus.META_REPLICAS, "?")
            + " replicas (round "
            + Consensus.roundOf(start)
            + ", step "
            + start.step()
            + "), AdamW moments of replica 0, "
            + ledger.size()
            + " records trained, "
            + batches.size()
            + " batches handed over");
  }
}
