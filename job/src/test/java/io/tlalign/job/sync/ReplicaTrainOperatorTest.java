package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.operators.FaultInjection;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.CheckpointWriter;
import io.tlalign.job.train.CheckpointedState;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One data-parallel replica (P = 1) in Flink's two-input operator test harness, on real native
 * PyTorch, with its sync messages fed back to its second input as the sync topic would: a run cut
 * by a snapshot while it waits for a round, with a batch buffered, ends bit-identical to an
 * uninterrupted run, and so does a run restored from a checkpoint of the previous version (progress
 * as seven longs). With K = 2 and S = 1 a replica publishes round q at step 2q and then replaces
 * its parameters by round q - 1's, so every applied round really changes the model.
 */
class ReplicaTrainOperatorTest {

  private static final int BATCHES = 8;
  private static final SyncSettings SYNC =
      new SyncSettings("replica-test", 1, 2, 1, 64 << 10, false, false, -1);

  private static List<TrainingBatch> batches;

  /** The uninterrupted run: the reference every restored run is held to. */
  private static TrainingState uninterrupted;

  /** DiLoCo's outer step (lr 0.7, Nesterov momentum 0.9) on the updates, K = 2, S = 1. */
  private static final SyncSettings DILOCO =
      new SyncSettings("replica-test", 1, 2, 1, 64 << 10, false, SyncRule.UPDATES, 0.7, 0.9, -1);

  private static final class Run implements AutoCloseable {
    final ReplicaTrainOperator operator;
    final TwoInputStreamOperatorTestHarness<TrainingBatch, byte[], TrainingMetric> harness;

    Run(OperatorSubtaskState restoreFrom) throws Exception {
      this(SYNC, restoreFrom);
    }

    Run(SyncSettings sync, OperatorSubtaskState restoreFrom) throws Exception {
      operator = new ReplicaTrainOperator(TinyTraining.settings(), sync, null, FaultInjection.NONE);
      harness = new TwoInputStreamOperatorTestHarness<>(operator);
      // With its consensus, anchor, momentum and rescale point a replica's state passes 5 MB.
      harness.setStateBackend(new org.apache.flink.runtime.state.hashmap.HashMapStateBackend());
      harness.setCheckpointStorage(
          new org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage(64 << 20));
      try {
        harness.setup();
        if (restoreFrom != null) {
          harness.initializeState(restoreFrom);
        }
        harness.open();
      } catch (Exception e) {
        harness.close();
        throw e;
      }
    }

    /** Trains {@code some}, each batch's sync messages fed back before the next batch. */
    void trainInStep(List<TrainingBatch> some) throws Exception {
      for (TrainingBatch b : some) {
        harness.processElement1(new StreamRecord<>(b));
        feedBack();
      }
    }

    /** Feeds every sync message published so far back to the sync input, until none is new. */
    void feedBack() throws Exception {
      for (List<byte[]> m = published(); !m.isEmpty(); m = published()) {
        feed(m);
      }
    }

    void feed(List<byte[]> messages) throws Exception {
      for (byte[] m : messages) {
        harness.processElement2(new StreamRecord<>(m));
      }
    }

    /** The sync messages published since the last call. */
    List<byte[]> published() {
      List<byte[]> out = new ArrayList<>();
      var queue = harness.getSideOutput(ReplicaTrainOperator.SYNC);
      if (queue != null) {
        for (var r = queue.poll(); r != null; r = queue.poll()) {
          out.add(r.getValue());
        }
      }
      return out;
    }

    void endInput() throws Exception {
      harness.endInput1();
      feedBack();
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
  }

  @BeforeAll
  static void trainWithoutInterruption() throws Exception {
    batches = TinyTraining.batches(BATCHES);
    try (Run run = new Run(null)) {
      run.trainInStep(batches);
      run.endInput();
      assertThat(run.operator.progress().finalApplied()).isTrue();
      uninterrupted = run.operator.currentState();
      List<TrainingMetric> metrics = run.metrics();
      assertThat(metrics)
          .extracting(TrainingMetric::getStep)
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(metrics).allSatisfy(m -> assertThat(m.getAlignedSharesA()).hasSize(4));
    }
    assertThat(uninterrupted.step()).isEqualTo(BATCHES);
  }

  @Test
  void aRunCutWhileAwaitingARoundEndsBitIdenticalToAnUninterruptedRun() throws Exception {
    OperatorSubtaskState snapshot;
    List<byte[]> inFlight;
    try (Run first = new Run(null)) {
      // Round 1's messages are still on their way when step 4 publishes round 2 and must apply
      // round 1: the replica waits, and buffers batch 5.
      for (TrainingBatch b : batches.subList(0, 5)) {
        first.harness.processElement1(new StreamRecord<>(b));
      }
      assertThat(first.operator.currentState().step()).isEqualTo(4);
      assertThat(first.operator.progress().awaiting()).isEqualTo(1);
      inFlight = first.published();
      snapshot = first.harness.snapshot(1L, 10L);
    }
    assertThat(inFlight).as("messages of rounds 1 and 2").isNotEmpty();

    TrainingState end;
    try (Run second = new Run(snapshot)) {
      ReplicaProgress restored = second.operator.progress();
      assertThat(restored).isEqualTo(new ReplicaProgress(0, 1, 0, 1, false, false, false));
      assertThat(second.operator.currentState().step()).isEqualTo(4);
      second.feed(inFlight);
      second.feedBack();
      assertThat(second.operator.currentState().step()).as("batch 5, buffered").isEqualTo(5);
      second.trainInStep(batches.subList(5, BATCHES));
      second.endInput();
      end = second.operator.currentState();
    }
    assertSameState(end, uninterrupted);
  }

  @Test
  void underDiLoCoUpdatesARunCutMidRoundEndsBitIdenticalWithItsConsensusAndMomentum()
      throws Exception {
    TrainingState clean;
    TrainingState noSync;
    try (Run run = new Run(DILOCO, null)) {
      run.trainInStep(batches);
      run.endInput();
      clean = run.operator.currentState();
    }
    try (Run run = new Run(SYNC, null)) {
      run.trainInStep(batches); // replace with P = 1 and the same K, S: another trajectory
      noSync = run.operator.currentState();
    }
    assertThat(clean.parameters()).isNotEqualTo(noSync.parameters());

    OperatorSubtaskState snapshot;
    List<byte[]> inFlight;
    try (Run first = new Run(DILOCO, null)) {
      first.trainInStep(batches.subList(0, 4)); // rounds 1 and 2 published, round 1 applied
      for (TrainingBatch b : batches.subList(4, 6)) {
        first.harness.processElement1(new StreamRecord<>(b)); // round 3 published, 2 applied
      }
      inFlight = first.published();
      snapshot = first.harness.snapshot(1L, 10L);
    }
    TrainingState end;
    try (Run second = new Run(DILOCO, snapshot)) {
      second.feed(inFlight);
      second.feedBack();
      second.trainInStep(batches.subList(6, BATCHES));
      second.endInput();
      end = second.operator.currentState();
    }
    assertSameState(end, clean);
  }

  @Test
  void aCheckpointOfThePreviousVersionWithProgressAsSevenLongsStillRestores() throws Exception {
    TrainingState atCut;
    ReplicaProgress progress;
    List<byte[]> inFlight;
    List<String> ledger = new ArrayList<>();
    try (Run first = new Run(null)) {
      for (TrainingBatch b : batches.subList(0, 2)) {
        first.harness.processElement1(new StreamRecord<>(b));
        ledger.addAll(List.of(b.ids));
      }
      atCut = first.operator.currentState();
      progress = first.operator.progress();
      inFlight = first.published();
    }
    OperatorSubtaskState legacy =
        new CheckpointWriter()
            .with(ReplicaTrainOperator.STATE_CHUNKS, CheckpointedState.encode(atCut))
            .with(ReplicaTrainOperator.LEDGER, ledger)
            .with(ReplicaTrainOperator.LEGACY_PROGRESS, legacyLongs(progress))
            .snapshot();

    TrainingState end;
    try (Run second = new Run(legacy)) {
      assertThat(second.operator.progress()).isEqualTo(progress);
      second.feed(inFlight);
      second.trainInStep(batches.subList(2, BATCHES));
      second.endInput();
      end = second.operator.currentState();
    }
    assertSameState(end, uninterrupted);
  }

  @Test
  void legacyProgressOfAnotherLengthIsRefusedNamingTheLayout() throws Exception {
    OperatorSubtaskState legacy =
        new CheckpointWriter()
            .with(ReplicaTrainOperator.STATE_CHUNKS, CheckpointedState.encode(uninterrupted))
            .with(ReplicaTrainOperator.LEGACY_PROGRESS, List.of(0L, 1L, 0L))
            .snapshot();
    assertThatThrownBy(() -> new Run(legacy).close())
        .hasStackTraceContaining("tlalign-replica-progress) holds 3 values, expected 7");
  }

  @Test
  void aCheckpointWithoutReplicaStateIsRefused() throws Exception {
    OperatorSubtaskState other =
        new CheckpointWriter()
            .with(ReplicaTrainOperator.SYNC_LEDGER, List.of("replica=0 round=1"))
            .snapshot();
    assertThatThrownBy(() -> new Run(other).close())
        .hasStackTraceContaining("holds no replica state for replica 0")
        .hasStackTraceContaining("refusing to start a new model while the input resumes");
  }

  @Test
  void aCorruptChunkIsRefusedNamingWhatFailed() throws Exception {
    List<byte[]> chunks = CheckpointedState.encode(uninterrupted);
    byte[] altered = chunks.get(0).clone();
    altered[altered.length / 3] ^= 0x01;
    OperatorSubtaskState corrupt =
        new CheckpointWriter()
            .with(ReplicaTrainOperator.STATE_CHUNKS, List.of(altered))
            .with(
                ReplicaTrainOperator.PROGRESS,
                List.of(new ReplicaProgress(0, 1, 0, -1, false, false, false)))
            .snapshot();
    assertThatThrownBy(() -> new Run(corrupt).close())
        .hasStackTraceContaining("refusing to restore replica 0 from the checkpoint")
        .hasStackTraceContaining("payload checksum mismatch")
        .hasStackTraceContaining("the chunk was altered");
  }

  @Test
  void theStateOfAnotherReplicaCountIsRefused() throws Exception {
    OperatorSubtaskState snapshot =
        new CheckpointWriter()
            .with(ReplicaTrainOperator.STATE_CHUNKS, CheckpointedState.encode(uninterrupted))
            .with(
                ReplicaTrainOperator.PROGRESS,
                List.of(new ReplicaProgress(0, 2, 0, -1, false, false, false)))
            .snapshot();
    assertThatThrownBy(() -> new Run(snapshot).close())
        .hasStackTraceContaining("replica 0 of 1 was handed the state of replica 0 of 2");
  }

  private static List<Long> legacyLongs(ReplicaProgress p) {
    return List.of(
        (long) p.replica(),
        (long) p.replicas(),
        p.floor(),
        p.awaiting(),
        p.inputEnded() ? 1L : 0L,
        p.finalPublished() ? 1L : 0L,
        p.finalApplied() ? 1L : 0L);
  }

  private static void assertSameState(TrainingState actual, TrainingState expected) {
    assertThat(actual.step()).isEqualTo(expected.step());
    assertThat(actual.parameters()).isEqualTo(expected.parameters());
    assertThat(actual.firstMoments()).isEqualTo(expected.firstMoments());
    assertThat(actual.secondMoments()).isEqualTo(expected.secondMoments());
    assertThat(actual).isEqualTo(expected);
  }
}
