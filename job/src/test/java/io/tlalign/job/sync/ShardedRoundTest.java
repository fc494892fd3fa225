package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sharded exchange (reduce-scatter, all-gather) with real replicas of vit-tiny-fm in Flink's
 * test harness: every replica ends each round on the mean of the shards the replicas scattered,
 * computed here from the messages themselves; it gives the same bits as the broadcast exchange
 * under every rule; each replica reads about 2M bytes per round whatever P; a reducer cut in the
 * middle of a round continues bit-identically; and a replica that waits too long says for whom.
 */
class ShardedRoundTest {

  private static SyncSettings sync(
      int replicas, SyncRule rule, int every, int lag, double lr, double mu, SyncExchange e) {
    return new SyncSettings("sharded-test", replicas, every, lag, 32 << 10, false, rule, lr, mu, -1)
        .withExchange(e);
  }

  private static List<ReplicaHarness> start(SyncSettings sync) throws Exception {
    List<ReplicaHarness> out = new ArrayList<>();
    for (int i = 0; i < sync.replicas(); i++) {
      out.add(new ReplicaHarness(i, null, sync));
    }
    return out;
  }

  private static void closeAll(List<ReplicaHarness> replicas) throws Exception {
    for (ReplicaHarness r : replicas) {
      r.close();
    }
  }

  /** Batch {@code i} to replica i mod P, as the job's partitioner does. */
  private static void train(List<ReplicaHarness> replicas, TrainingBatch b) throws Exception {
    replicas
        .get((int) (b.batchIndex % replicas.size()))
        .harness
        .processElement1(new StreamRecord<>(b));
  }

  @Test
  void everyReplicaEndsEachRoundOnTheMeanOfTheScatteredShards() throws Exception {
    SyncSettings sync = sync(3, SyncRule.REPLACE, 2, 0, 1, 0, SyncExchange.SHARDED);
    List<TrainingBatch> batches = TinyTraining.batches(12); // 4 per replica: rounds 1 and 2
    List<ReplicaHarness> replicas = start(sync);
    try {
      for (int i = 0; i < batches.size(); i += 3) {
        List<byte[]> scattered = new ArrayList<>();
        for (int j = 0; j < 3; j++) {
          train(replicas, batches.get(i + j));
        }
        for (ReplicaHarness r : replicas) {
          scattered.addAll(r.published());
        }
        ReplicaHarness.deliver(replicas, scattered);
        int step = i / 3 + 1;
        if (step % 2 != 0) {
          assertThat(scattered).as("no round after an odd step").isEmpty();
          continue;
        }
        float[] expected = ScatteredRounds.mean(scattered, step / 2, 3);
        for (ReplicaHarness r : replicas) {
          TrainingState s = r.operator.currentState();
          assertThat(s.step()).isEqualTo(step);
          assertThat(ScatteredRounds.flat(s.parameters()))
              .as("replica %d after round %d", r.index, step / 2)
              .isEqualTo(expected);
        }
      }
    } finally {
      closeAll(replicas);
    }
  }

  @ParameterizedTest(name = "{0} K={1} S={2} outer {3}/{4}")
  @CsvSource({
    "REPLACE, 2, 1, 1, 0",
    "DELTA, 2, 1, 1, 0",
    "UPDATES, 2, 1, 1, 0",
    "UPDATES, 1, 1, 0.7, 0.9",
  })
  void theShardedExchangeGivesTheBitsOfTheBroadcastExchange(
      SyncRule rule, int every, int lag, double lr, double mu) throws Exception {
    List<TrainingBatch> batches = TinyTraining.batches(18);
    List<ReplicaHarness> broadcast =
        start(sync(3, rule, every, lag, lr, mu, SyncExchange.BROADCAST));
    List<ReplicaHarness> sharded = start(sync(3, rule, every, lag, lr, mu, SyncExchange.SHARDED));
    try {
      for (int i = 0; i < batches.size(); i++) {
        train(broadcast, batches.get(i));
        train(sharded, batches.get(i));
        ReplicaHarness.exchange(broadcast);
        ReplicaHarness.exchange(sharded);
        for (int r = 0; r < 3; r++) {
          assertThat(sharded.get(r).operator.currentState())
              .as("replica %d after batch %d", r, i)
              .isEqualTo(broadcast.get(r).operator.currentState());
        }
      }
      for (List<ReplicaHarness> run : List.of(broadcast, sharded)) {
        for (ReplicaHarness r : run) {
          r.harness.endInput1();
        }
        ReplicaHarness.exchange(run);
      }
      for (int r = 0; r < 3; r++) {
        assertThat(sharded.get(r).operator.progress().finalApplied()).isTrue();
        assertThat(sharded.get(r).operator.currentState())
            .isEqualTo(broadcast.get(r).operator.currentState());
      }
      assertThat(sharded.get(1).operator.currentState().parameters())
          .as("the final round leaves every replica on the same parameters")
          .isEqualTo(sharded.get(0).operator.currentState().parameters());
      // Not vacuous: rounds were applied (the replicas moved together), under both exchanges.
      // 6 local steps per replica: rounds 1 .. 6 / K, all but the last S applied before the end.
      assertThat(sharded.get(0).operator.progress().floor())
          .isGreaterThanOrEqualTo(6 / every - lag);
    } finally {
      closeAll(broadcast);
      closeAll(sharded);
    }
  }

  @Test
  void eachReplicaReadsAboutTwoModelsPerRoundWhateverTheReplicaCount() throws Exception {
    Map<String, Double> perRound = new TreeMap<>();
    for (int p : new int[] {2, 4}) {
      for (SyncExchange e : SyncExchange.values()) {
        List<ReplicaHarness> replicas = start(sync(p, SyncRule.REPLACE, 1, 0, 1, 0, e));
        try {
          for (TrainingBatch b : TinyTraining.batches(2 * p)) { // two rounds
            train(replicas, b);
            ReplicaHarness.exchange(replicas);
          }
          for (ReplicaHarness r : replicas) {
            perRound.merge(e + " in P=" + p, r.bytesIn / 2.0 / p, Double::sum);
            perRound.merge(e + " out P=" + p, r.bytesOut / 2.0 / p, Double::sum);
          }
        } finally {
          closeAll(replicas);
        }
      }
    }
    // One whole contribution (M and its headers) is what a broadcast replica writes per round.
    double model = perRound.get("BROADCAST out P=2");
    assertThat(model).isGreaterThan(139_018 * 4); // vit-tiny-fm's parameters in float32
    assertThat(perRound.get("BROADCAST out P=4")).isEqualTo(model);
    assertThat(perRound.get("BROADCAST in P=2") / model).isEqualTo(2.0);
    assertThat(perRound.get("BROADCAST in P=4") / model).isEqualTo(4.0);
    for (int p : new int[] {2, 4}) {
      // Sharded: P shards of M/P in, plus P reduced shards of M/P: 2M, with the headers of 2P
      // payloads on top; out: M of shards plus one reduced shard, M/P.
      assertThat(perRound.get("SHARDED in P=" + p) / model).as("in, P=%d", p).isBetween(1.9, 2.1);
      assertThat(perRound.get("SHARDED out P=" + p) / model)
          .as("out, P=%d", p)
          .isBetween(1 + 1.0 / p - 0.05, 1 + 1.0 / p + 0.05);
    }
  }

  @Test
  void aReducerCutInTheMiddleOfARoundContinuesBitIdentically() throws Exception {
    SyncSettings sync = sync(3, SyncRule.REPLACE, 1, 0, 1, 0, SyncExchange.SHARDED);
    List<TrainingBatch> batches = TinyTraining.batches(9);
    List<TrainingState> uninterrupted = new ArrayList<>();
    List<ReplicaHarness> plain = start(sync);
    try {
      for (TrainingBatch b : batches) {
        train(plain, b);
        ReplicaHarness.exchange(plain);
      }
      for (ReplicaHarness r : plain) {
        uninterrupted.add(r.operator.currentState());
      }
    } finally {
      closeAll(plain);
    }

    List<ReplicaHarness> replicas = start(sync);
    try {
      for (int i = 0; i < 3; i++) {
        train(replicas, batches.get(i));
        ReplicaHarness.exchange(replicas);
      }
      // Round 2: replicas 0 and 1 scatter; reducer 2 holds their shard 2 but not its own.
      train(replicas, batches.get(3));
      train(replicas, batches.get(4));
      ReplicaHarness.exchange(replicas);
      assertThat(replicas.get(2).operator.currentState().step()).isEqualTo(1);
      OperatorSubtaskState cut = replicas.get(2).harness.snapshot(1L, 1L);
      replicas.get(2).close();
      replicas.set(2, new ReplicaHarness(2, cut, sync));
      train(replicas, batches.get(5));
      ReplicaHarness.exchange(replicas);
      for (int i = 6; i < batches.size(); i++) {
        train(replicas, batches.get(i));
        ReplicaHarness.exchange(replicas);
      }
      for (int r = 0; r < 3; r++) {
        assertThat(replicas.get(r).operator.currentState())
            .as("replica %d", r)
            .isEqualTo(uninterrupted.get(r));
      }
      assertThat(uninterrupted.get(0).step()).isEqualTo(3);
    } finally {
      closeAll(replicas);
    }
  }

  @Test
  void aReplicaThatWaitsTooLongNamesWhomItWaitsFor() throws Exception {
    SyncSettings base = sync(2, SyncRule.REPLACE, 1, 0, 1, 0, SyncExchange.SHARDED);
    SyncSettings sync =
        new SyncSettings(
            base.runId(),
            2,
            1,
            0,
            base.chunkBytes(),
            false,
            SyncRule.REPLACE,
            1,
            0,
            -1,
            SyncExchange.SHARDED,
            1_000);
    List<ReplicaHarness> replicas = start(sync);
    try {
      var r0 = replicas.get(0);
      long t0 = r0.harness.getProcessingTime();
      train(replicas, TinyTraining.batches(1).get(0)); // replica 0 publishes round 1
      ReplicaHarness.exchange(replicas);
      assertThat(r0.operator.progress().awaiting()).isEqualTo(1);
      r0.harness.setProcessingTime(t0 + 999);
      assertThat(r0.operator.lastStallReport()).isNull();
      r0.harness.setProcessingTime(t0 + 1_000);
      assertThat(r0.operator.lastStallReport())
          .isEqualTo(
              "replica 0 has waited 1 s for round 1; missing the part of shard reducers [0, 1];"
                  + " its own shard 0 still lacks round 1 from replicas [1] (a stalled or lost"
                  + " replica; rounds complete once its part arrives)");
      String first = r0.operator.lastStallReport();
      r0.harness.setProcessingTime(t0 + 1_999);
      assertThat(r0.operator.lastStallReport()).as("next at twice the wait").isSameAs(first);
      r0.harness.setProcessingTime(t0 + 2_000);
      assertThat(r0.operator.lastStallReport()).startsWith("replica 0 has waited 2 s for round 1");

      train(replicas, TinyTraining.batches(2).get(1)); // replica 1 arrives
      ReplicaHarness.exchange(replicas);
      assertThat(r0.operator.currentState().step()).isEqualTo(1);
      assertThat(r0.operator.progress().awaiting()).isEqualTo(-1);
    } finally {
      closeAll(replicas);
    }
  }
}
