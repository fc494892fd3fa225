package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.MixedBatch;
import io.tlalign.model.train.StepResult;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Accuracy parity of {@code tlalign.sync.apply=gradients}: P = 2 replicas of batch b, two real
 * {@link ReplicaTrainOperator}s in Flink's test harness wired to each other's sync output as the
 * sync topic would, stay equal to one trainer of batch 2b ({@link TrainingSession#step} on the same
 * 2b samples, the independent reference) after every one of 20 steps, and equal to each other bit
 * for bit. A replica cut by a snapshot while its round is in flight continues bit-identically, and
 * with an odd number of batches the replica that ends first applies the other's last round, so both
 * end on the one trainer's last step (its last batch alone).
 *
 * <p>Tolerance: the replicas average two per-batch mean gradients, (g_0 + g_1) / 2, while the one
 * trainer lets autograd reduce over all 2b samples at once; the two sums round differently, by a
 * few float32 ulps of each gradient element. AdamW divides by sqrt(v) + 1e-8, which for tiny
 * gradient elements turns such a difference into a parameter difference of up to lr x (relative
 * difference), and later steps carry it on. Over 20 steps at lr 2e-3 the largest difference seen
 * was 5.3e-6 (MKL, 1 thread); 1e-4 (5% of one step's largest move, lr) leaves room for other BLAS
 * paths while still failing for any real divergence: a step trained on only one replica's batch
 * moves parameters by about lr = 2e-3.
 */
class GradientParityTest {

  private static final int STEPS = 20;
  private static final int REPLICAS = 2;
  private static final double TOLERANCE = 1e-4;

  private static SyncSettings sync(SyncExchange exchange) {
    return new SyncSettings(
            "parity-test", REPLICAS, 1, 0, 64 << 10, false, SyncRule.GRADIENTS, 1, 0, -1)
        .withExchange(exchange);
  }

  @ParameterizedTest
  @EnumSource(SyncExchange.class)
  void twoReplicasOfBatchBStayEqualToOneTrainerOfBatch2b(SyncExchange exchange) throws Exception {
    List<TrainingBatch> batches = TinyTraining.batches(STEPS * REPLICAS);
    double worst = 0;
    try (TrainingSession single = TinyTraining.settings().openSession(-1, null);
        ReplicaHarness r0 = new ReplicaHarness(0, null, sync(exchange));
        ReplicaHarness r1 = new ReplicaHarness(1, null, sync(exchange))) {
      List<ReplicaHarness> both = List.of(r0, r1);
      assertThat(r0.operator.currentState().parameters())
          .as("the same seed gives every replica and the one trainer the same start")
          .isEqualTo(single.captureState().parameters());
      for (int k = 0; k < STEPS; k++) {
        TrainingBatch a = batches.get(2 * k);
        TrainingBatch b = batches.get(2 * k + 1);
        r0.harness.processElement1(new StreamRecord<>(a)); // batch i goes to replica i mod P
        r1.harness.processElement1(new StreamRecord<>(b));
        assertThat(r0.operator.currentState().step()).as("waits for round %d", k + 1).isEqualTo(k);
        ReplicaHarness.exchange(both);
        StepResult reference = single.step(concat(a, b));
        assertThat(reference.refused()).isFalse();

        TrainingState s0 = r0.operator.currentState();
        TrainingState s1 = r1.operator.currentState();
        assertThat(s0.step()).isEqualTo(k + 1);
        assertThat(s1.parameters())
            .as("replicas bit-identical at step " + (k + 1))
            .isEqualTo(s0.parameters());
        assertThat(s1.firstMoments()).isEqualTo(s0.firstMoments());
        double diff = maxAbsDifference(s0.parameters(), single.captureState().parameters());
        assertThat(diff)
            .as("replicas against one trainer of batch 2b after step %d", k + 1)
            .isLessThan(TOLERANCE);
        worst = Math.max(worst, diff);
      }
      // Each replica reports its own loss, on its own batch, marked with its index and round.
      List<TrainingMetric> m0 = r0.metrics();
      List<TrainingMetric> m1 = r1.metrics();
      assertThat(m0).hasSize(STEPS);
      assertThat(m1).hasSize(STEPS);
      assertThat(m0).allSatisfy(m -> assertThat(m.getReplica()).isEqualTo(0));
      assertThat(m1).allSatisfy(m -> assertThat(m.getReplica()).isEqualTo(1));
      assertThat(m1).allSatisfy(m -> assertThat(m.getReplicas()).isEqualTo(REPLICAS));
      assertThat(m0.get(STEPS - 1).getRound()).isEqualTo((long) STEPS);
      assertThat(m0.get(0).getLoss()).isNotEqualTo(m1.get(0).getLoss());
    }
    // Not vacuous: the two ways of summing really differ somewhere, and only by rounding.
    assertThat(worst).isGreaterThan(0).isLessThan(TOLERANCE);
  }

  @ParameterizedTest
  @EnumSource(SyncExchange.class)
  void aReplicaCutWhileItsGradientRoundIsInFlightContinuesBitIdentically(SyncExchange exchange)
      throws Exception {
    int steps = 6;
    List<TrainingBatch> batches = TinyTraining.batches(steps * REPLICAS);
    TrainingState uninterrupted;
    try (ReplicaHarness r0 = new ReplicaHarness(0, null, sync(exchange));
        ReplicaHarness r1 = new ReplicaHarness(1, null, sync(exchange))) {
      for (int k = 0; k < steps; k++) {
        r0.harness.processElement1(new StreamRecord<>(batches.get(2 * k)));
        r1.harness.processElement1(new StreamRecord<>(batches.get(2 * k + 1)));
        ReplicaHarness.exchange(List.of(r0, r1));
      }
      uninterrupted = r0.operator.currentState();
    }

    TrainingState end;
    try (ReplicaHarness r1 = new ReplicaHarness(1, null, sync(exchange))) {
      OperatorSubtaskState cut;
      List<byte[]> inFlight = new ArrayList<>();
      try (ReplicaHarness r0 = new ReplicaHarness(0, null, sync(exchange))) {
        for (int k = 0; k < 3; k++) {
          r0.harness.processElement1(new StreamRecord<>(batches.get(2 * k)));
          r1.harness.processElement1(new StreamRecord<>(batches.get(2 * k + 1)));
          ReplicaHarness.exchange(List.of(r0, r1));
        }
        // Round 4: replica 0 has published its gradients and waits for replica 1's.
        r0.harness.processElement1(new StreamRecord<>(batches.get(6)));
        assertThat(r0.operator.progress().awaiting()).isEqualTo(4);
        cut = r0.harness.snapshot(1L, 1L);
        inFlight.addAll(r0.published()); // committed with the checkpoint, delivered after it
      }
      try (ReplicaHarness restored = new ReplicaHarness(0, cut, sync(exchange))) {
        assertThat(restored.operator.progress().awaiting()).isEqualTo(4);
        r1.harness.processElement1(new StreamRecord<>(batches.get(7)));
        ReplicaHarness.deliver(List.of(restored, r1), inFlight);
        assertThat(restored.operator.currentState().step()).isEqualTo(4);
        for (int k = 4; k < steps; k++) {
          restored.harness.processElement1(new StreamRecord<>(batches.get(2 * k)));
          r1.harness.processElement1(new StreamRecord<>(batches.get(2 * k + 1)));
          ReplicaHarness.exchange(List.of(restored, r1));
        }
        end = restored.operator.currentState();
        assertThat(r1.operator.currentState().parameters()).isEqualTo(end.parameters());
      }
    }
    assertThat(end.step()).isEqualTo(uninterrupted.step());
    assertThat(end.parameters()).isEqualTo(uninterrupted.parameters());
    assertThat(end.firstMoments()).isEqualTo(uninterrupted.firstMoments());
    assertThat(end.secondMoments()).isEqualTo(uninterrupted.secondMoments());
    assertThat(end).isEqualTo(uninterrupted);
  }

  @ParameterizedTest
  @EnumSource(SyncExchange.class)
  void aBoundedInputWithAnOddBatchCountEndsWithEveryReplicaOnTheOneTrainersLastStep(
      SyncExchange exchange) throws Exception {
    List<TrainingBatch> batches = TinyTraining.batches(5); // replica 0: 0, 2, 4; replica 1: 1, 3
    try (TrainingSession single = TinyTraining.settings().openSession(-1, null);
        ReplicaHarness r0 = new ReplicaHarness(0, null, sync(exchange));
        ReplicaHarness r1 = new ReplicaHarness(1, null, sync(exchange))) {
      List<ReplicaHarness> both = List.of(r0, r1);
      for (int i = 0; i < batches.size(); i++) {
        (i % 2 == 0 ? r0 : r1).harness.processElement1(new StreamRecord<>(batches.get(i)));
        ReplicaHarness.exchange(both);
      }
      single.step(concat(batches.get(0), batches.get(1)));
      single.step(concat(batches.get(2), batches.get(3)));
      single.step(batches.get(4).toMixedBatch()); // the last batch alone, as one trainer has it
      r1.harness.endInput1(); // replica 1 ends first and must still apply round 3
      ReplicaHarness.exchange(both);
      r0.harness.endInput1();
      ReplicaHarness.exchange(both);
      ReplicaHarness.exchange(both);

      assertThat(r0.operator.progress().finalApplied()).isTrue();
      assertThat(r1.operator.progress().finalApplied()).isTrue();
      TrainingState s0 = r0.operator.currentState();
      TrainingState s1 = r1.operator.currentState();
      assertThat(s1.step()).as("replica 1 applied replica 0's last round").isEqualTo(3);
      assertThat(s1.parameters()).isEqualTo(s0.parameters());
      assertThat(maxAbsDifference(s0.parameters(), single.captureState().parameters()))
          .isLessThan(TOLERANCE);
      assertThat(r1.metrics()).as("replica 1 reports only its own batches").hasSize(2);
    }
  }

  /** One batch of the samples of {@code a} then {@code b}, token weights per sample. */
  private static MixedBatch concat(TrainingBatch a, TrainingBatch b) {
    return MixedBatch.concat(List.of(a.toMixedBatch(), b.toMixedBatch()));
  }

  private static double maxAbsDifference(List<NamedTensor> x, List<NamedTensor> y) {
    assertThat(x).hasSameSizeAs(y);
    double worst = 0;
    for (int t = 0; t < x.size(); t++) {
      float[] a = x.get(t).data();
      float[] b = y.get(t).data();
      assertThat(x.get(t).name()).isEqualTo(y.get(t).name());
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
      }
    }
    return worst;
  }
}
