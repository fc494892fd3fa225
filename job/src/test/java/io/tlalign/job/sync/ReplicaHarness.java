package io.tlalign.job.sync;

import io.tlalign.job.operators.FaultInjection;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;

/**
 * One real {@link ReplicaTrainOperator} in Flink's test harness, and the sync topic between such
 * replicas: what one publishes is delivered as the topic and its source would deliver it.
 */
final class ReplicaHarness implements AutoCloseable {

  final int index;
  final ReplicaTrainOperator operator;
  final TwoInputStreamOperatorTestHarness<TrainingBatch, byte[], TrainingMetric> harness;

  /** Sync bytes this replica published and was delivered, for traffic checks. */
  long bytesOut;

  long bytesIn;

  ReplicaHarness(int index, OperatorSubtaskState restoreFrom, SyncSettings sync) throws Exception {
    this(index, restoreFrom, sync, TinyTraining.settings());
  }

  ReplicaHarness(
      int index,
      OperatorSubtaskState restoreFrom,
      SyncSettings sync,
      io.tlalign.job.settings.TrainerSettings settings)
      throws Exception {
    this.index = index;
    operator = new ReplicaTrainOperator(settings, sync, null, FaultInjection.NONE);
    harness =
        new TwoInputStreamOperatorTestHarness<>(operator, sync.replicas(), sync.replicas(), index);
    // A replica's state is several MB (training state, consensus, rescale point, rounds in flight).
    harness.setStateBackend(new org.apache.flink.runtime.state.hashmap.HashMapStateBackend());
    harness.setCheckpointStorage(
        new org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage(64 << 20));
    harness.setup();
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
  }

  List<byte[]> published() {
    List<byte[]> out = new ArrayList<>();
    var queue = harness.getSideOutput(ReplicaTrainOperator.SYNC);
    if (queue != null) {
      for (var r = queue.poll(); r != null; r = queue.poll()) {
        out.add(r.getValue());
        bytesOut += r.getValue().length;
      }
    }
    return out;
  }

  List<TrainingMetric> metrics() {
    List<TrainingMetric> out = new ArrayList<>();
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        out.add((TrainingMetric) r.getValue());
      }
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    harness.close();
  }

  /**
   * Delivers the replicas' messages as the sync topic and its source would, until none are left: a
   * message of partition 0 to every replica, one of partition 1 + s (shard s of a contribution,
   * sharded exchange) to replica s only; reduced shards published on the way are delivered too.
   */
  static void exchange(List<ReplicaHarness> replicas) throws Exception {
    deliver(replicas, List.of());
  }

  /** {@link #exchange} after delivering {@code first} (messages published before a restore). */
  static void deliver(List<ReplicaHarness> replicas, List<byte[]> first) throws Exception {
    List<byte[]> messages = new ArrayList<>(first);
    for (ReplicaHarness r : replicas) {
      messages.addAll(r.published());
    }
    while (!messages.isEmpty()) {
      for (byte[] m : messages) {
        int partition = SyncTopicSource.partitionOf(SyncChunk.decode(m));
        for (ReplicaHarness r : replicas) {
          if (partition == 0 || partition == 1 + r.index) {
            r.bytesIn += m.length;
            r.harness.processElement2(new StreamRecord<>(m));
          }
        }
      }
      messages.clear();
      for (ReplicaHarness r : replicas) {
        messages.addAll(r.published());
      }
    }
  }
}
