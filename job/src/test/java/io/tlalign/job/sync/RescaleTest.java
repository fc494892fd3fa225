package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rescaling from a snapshot: replicas snapshotted at P, their state redistributed by Flink's own
 * repartitioning to P' (as a savepoint restore with another parallelism does), continue: every new
 * replica starts from the consensus (the mean of the last applied round, computed here from the
 * scattered contributions), in a new epoch, and at the end every record was trained exactly once.
 */
class RescaleTest {

  private static final int MAX_PARALLELISM = 128;

  private static SyncSettings sync(int replicas, SyncRule rule, int every, int lag) {
    return new SyncSettings("rescale-test", replicas, every, lag, 32 << 10, false, rule, 1, 0, -1)
        .withExchange(SyncExchange.SHARDED);
  }

  @ParameterizedTest(name = "{0} -> {1}, {2} K={3} S={4}")
  @CsvSource({
    "2, 3, REPLACE, 2, 1",
    "3, 2, UPDATES, 1, 1",
    "2, 3, GRADIENTS, 1, 0",
  })
  void replicasResumeUnderAnotherCountFromTheConsensusAndTrainEveryRecordOnce(
      int from, int to, SyncRule rule, int every, int lag) throws Exception {
    List<TrainingBatch> batches = TinyTraining.batches(20);
    int before = 9; // batches 0 .. 8 go to the first P replicas
    List<ReplicaHarness> old = new ArrayList<>();
    for (int i = 0; i < from; i++) {
      old.add(new ReplicaHarness(i, null, sync(from, rule, every, lag)));
    }
    List<byte[]> scattered = new ArrayList<>();
    OperatorSubtaskState[] snapshots = new OperatorSubtaskState[from];
    long consensusRound;
    try {
      for (int i = 0; i < before; i++) {
        old.get(i % from).harness.processElement1(new StreamRecord<>(batches.get(i)));
        List<byte[]> published = new ArrayList<>();
        for (ReplicaHarness r : old) {
          published.addAll(r.published());
        }
        scattered.addAll(published);
        ReplicaHarness.deliver(old, published);
      }
      consensusRound = old.get(0).operator.progress().floor();
      assertThat(consensusRound).as("rounds applied before the snapshot").isPositive();
      for (int i = 0; i < from; i++) {
        snapshots[i] = old.get(i).harness.snapshot(1L, 1L);
      }
    } finally {
      for (ReplicaHarness r : old) {
        r.close();
      }
    }

    OperatorSubtaskState packed = AbstractStreamOperatorTestHarness.repackageState(snapshots);
    List<ReplicaHarness> fresh = new ArrayList<>();
    try {
      for (int i = 0; i < to; i++) {
        fresh.add(
            new ReplicaHarness(
                i,
                AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    packed, MAX_PARALLELISM, from, to, i),
                sync(to, rule, every, lag)));
      }
      // Every new replica starts from the consensus of the last round applied before.
      List<NamedTensor> expected = null;
      if (rule == SyncRule.REPLACE) {
        expected = unflat(ScatteredRounds.mean(scattered, consensusRound, from));
      } else if (rule == SyncRule.UPDATES) {
        // Plain averaging of updates (outer lr 1, momentum 0): C_q = C_(q-1) + mean update of q.
        float[] c = ScatteredRounds.flat(layout());
        for (long q = 1; q <= consensusRound; q++) {
          float[] d = ScatteredRounds.mean(scattered, q, from);
          for (int i = 0; i < c.length; i++) {
            c[i] = c[i] + d[i];
          }
        }
        expected = unflat(c);
      }
      for (ReplicaHarness r : fresh) {
        TrainingState start = r.operator.currentState();
        if (expected != null) {
          assertThat(start.parameters())
              .as("replica %d of %d starts from round %d's mean", r.index, to, consensusRound)
              .isEqualTo(expected);
        }
        assertThat(start.parameters()).isEqualTo(fresh.get(0).operator.currentState().parameters());
        assertThat(r.operator.syncLedger())
            .anyMatch(
                l -> l.startsWith("replica=" + r.index + " round=rescale rescaled_from_" + from));
      }
      for (int i = before; i < batches.size(); i++) {
        fresh.get(i % to).harness.processElement1(new StreamRecord<>(batches.get(i)));
        ReplicaHarness.exchange(fresh);
      }
      for (ReplicaHarness r : fresh) {
        var published = r.published();
        for (byte[] m : published) {
          assertThat(SyncChunk.decode(m).epoch()).as("rounds of the new epoch").isEqualTo(1);
        }
        ReplicaHarness.deliver(fresh, published);
        r.harness.endInput1();
      }
      ReplicaHarness.exchange(fresh);
      List<String> trained = new ArrayList<>();
      for (ReplicaHarness r : fresh) {
        assertThat(r.operator.progress().finalApplied()).as("replica %d done", r.index).isTrue();
        trained.addAll(r.operator.trainedIds());
      }
      Set<String> all = new HashSet<>();
      for (TrainingBatch b : batches) {
        all.addAll(List.of(b.ids));
      }
      assertThat(trained).as("every record trained once across both lives").hasSize(all.size());
      assertThat(new HashSet<>(trained)).isEqualTo(all);
      assertThat(fresh.get(to - 1).operator.currentState().parameters())
          .isEqualTo(fresh.get(0).operator.currentState().parameters());
    } finally {
      for (ReplicaHarness r : fresh) {
        r.close();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"REPLACE"})
  void aSnapshotOfAnotherCountWithoutARescalePointIsRefusedWithTheFix(SyncRule rule)
      throws Exception {
    OperatorSubtaskState[] snapshots = new OperatorSubtaskState[2];
    List<ReplicaHarness> old = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      old.add(new ReplicaHarness(i, null, sync(2, rule, 2, 1)));
    }
    try {
      for (int i = 0; i < 2; i++) {
        snapshots[i] = old.get(i).harness.snapshot(1L, 1L);
      }
    } finally {
      for (ReplicaHarness r : old) {
        r.close();
      }
    }
    // Replica 0's rescale point removed, as a checkpoint of the previous version lacks it.
    OperatorSubtaskState withoutPoint =
        OperatorSubtaskState.builder()
            .setManagedOperatorState(
                new org.apache.flink.runtime.checkpoint.StateObjectCollection<>(
                    snapshots[1].getManagedOperatorState().asList()))
            .build();
    assertThatThrownBy(() -> new ReplicaHarness(0, withoutPoint, sync(3, rule, 2, 1)))
        .hasStackTraceContaining("without a rescale point")
        .hasStackTraceContaining("tlalign.replicas");
  }

  private static List<NamedTensor> layout() throws Exception {
    try (var session = TinyTraining.settings().openSession(-1, null)) {
      return session.captureState().parameters();
    }
  }

  private static List<NamedTensor> unflat(float[] flat) throws Exception {
    List<NamedTensor> out = new ArrayList<>();
    int at = 0;
    for (NamedTensor t : layout()) {
      float[] d = new float[t.data().length];
      System.arraycopy(flat, at, d, 0, d.length);
      at += d.length;
      out.add(new NamedTensor(t.name(), t.shape(), d));
    }
    assertThat(at).isEqualTo(flat.length);
    return out;
  }
}
