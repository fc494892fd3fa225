package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.operators.FaultInjection;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Between one trainer and P replicas through a snapshot (they share the operator uid, so a
 * savepoint of one restores into the other): one trainer's state, redistributed by Flink to two
 * replicas, is where both start; the two replicas' state, taken right after a round (both hold the
 * round's average), is where one trainer continues, with the batches they still held; every record
 * is trained exactly once over the three lives.
 */
class SingleTrainerRescaleTest {

  private static final int MAX_PARALLELISM = 128;

  private static OneInputStreamOperatorTestHarness<TrainingBatch, TrainingMetric> single(
      TrainFunction f, OperatorSubtaskState restoreFrom) throws Exception {
    var h = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(f));
    h.setStateBackend(new org.apache.flink.runtime.state.hashmap.HashMapStateBackend());
    h.setCheckpointStorage(
        new org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage(64 << 20));
    h.setup();
    if (restoreFrom != null) {
      h.initializeState(restoreFrom);
    }
    h.open();
    return h;
  }

  @Test
  void oneTrainerToTwoReplicasAndBackTrainsEveryRecordOnce() throws Exception {
    List<TrainingBatch> batches = TinyTraining.batches(16);
    SyncSettings sync =
        new SyncSettings("single-rescale", 2, 2, 0, 32 << 10, false, SyncRule.REPLACE, 1, 0, -1)
            .withExchange(SyncExchange.SHARDED);

    // Life 1: one trainer, batches 0 .. 4.
    OperatorSubtaskState one;
    TrainingState singleEnd;
    TrainFunction first = new TrainFunction(TinyTraining.settings(), null, FaultInjection.NONE);
    try (var h = single(first, null)) {
      for (int i = 0; i < 5; i++) {
        h.processElement(new StreamRecord<>(batches.get(i)));
      }
      singleEnd = first.currentState();
      one = h.snapshot(1L, 1L);
    }
    assertThat(singleEnd.step()).isEqualTo(5);

    // Life 2: two replicas from the one trainer's state. Batches 5 .. 10 take each to step 8
    // (rounds 3 and 4 at steps 6 and 8, K = 2, S = 0); then replica 0 alone trains 11 and 13
    // (steps 9 and 10, publishing round 5 and waiting for it) and holds 15 unbuffered.
    OperatorSubtaskState[] two = new OperatorSubtaskState[2];
    TrainingState roundAverage;
    TrainingState replica0;
    List<ReplicaHarness> replicas = new ArrayList<>();
    try {
      for (int r = 0; r < 2; r++) {
        replicas.add(
            new ReplicaHarness(
                r,
                AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    one, MAX_PARALLELISM, 1, 2, r),
                sync));
      }
      for (ReplicaHarness r : replicas) {
        TrainingState start = r.operator.currentState();
        assertThat(start.parameters())
            .as("replica %d starts from the one trainer", r.index)
            .isEqualTo(singleEnd.parameters());
        assertThat(start.step()).isEqualTo(5);
        assertThat(start.firstMoments()).isEqualTo(singleEnd.firstMoments());
        assertThat(r.operator.syncLedger())
            .anyMatch(l -> l.contains("round=rescale rescaled_from_1_replicas"));
      }
      for (int i = 5; i < 11; i++) {
        replicas.get(i % 2).harness.processElement1(new StreamRecord<>(batches.get(i)));
        ReplicaHarness.exchange(replicas);
      }
      for (int i : new int[] {11, 13, 15}) {
        replicas.get(0).harness.processElement1(new StreamRecord<>(batches.get(i)));
        ReplicaHarness.exchange(replicas);
      }
      assertThat(replicas.get(0).operator.currentState().step()).isEqualTo(10);
      assertThat(replicas.get(0).operator.progress().awaiting()).isEqualTo(5);
      roundAverage = replicas.get(1).operator.currentState();
      assertThat(roundAverage.step()).as("replica 1 right after round 4").isEqualTo(8);
      replica0 = replicas.get(0).operator.currentState();
      for (int r = 0; r < 2; r++) {
        two[r] = replicas.get(r).harness.snapshot(2L, 2L);
      }
    } finally {
      for (ReplicaHarness r : replicas) {
        r.close();
      }
    }

    // Life 3: one trainer again, from the consensus (round 4's average, which replica 1 held),
    // with batch 15 handed over; then the batches nobody trained yet, 12 and 14.
    OperatorSubtaskState packed = AbstractStreamOperatorTestHarness.repackageState(two);
    TrainFunction third =
        new TrainFunction(
            TinyTraining.settings(), null, FaultInjection.NONE, ReplicaHandover.TAKE_OVER);
    try (var h =
        single(
            third,
            AbstractStreamOperatorTestHarness.repartitionOperatorState(
                packed, MAX_PARALLELISM, 2, 1, 0))) {
      // It trained the handed-over batch 15 on opening (no batch may ever come after): as a
      // session started from the consensus with replica 0's moments at step 8 does.
      TrainingState consensus =
          TrainingState.builder()
              .setPreset(roundAverage.preset())
              .setStep(8)
              .setParameters(roundAverage.parameters())
              .optRngState(replica0.rngState())
              .optOptimizer(
                  new io.tlalign.model.state.OptimizerState(
                      8, replica0.firstMoments(), replica0.secondMoments()))
              .build();
      try (var session = TinyTraining.settings().openSession(-1, consensus)) {
        session.step(batches.get(15).toMixedBatch());
        TrainingState expected = session.captureState();
        TrainingState opened = third.currentState();
        assertThat(opened.step()).isEqualTo(9);
        assertThat(opened.parameters()).isEqualTo(expected.parameters());
        assertThat(opened.firstMoments()).isEqualTo(expected.firstMoments());
      }
      for (int i : new int[] {12, 14}) {
        h.processElement(new StreamRecord<>(batches.get(i)));
      }
      assertThat(third.currentState().step()).as("15, 12 and 14 trained").isEqualTo(11);
      List<String> ids = third.trainedIds();
      Set<String> all = new HashSet<>();
      for (TrainingBatch b : batches) {
        all.addAll(List.of(b.ids));
      }
      assertThat(ids).as("every record trained once over three lives").hasSize(all.size());
      assertThat(new HashSet<>(ids)).isEqualTo(all);
    }
  }
}
