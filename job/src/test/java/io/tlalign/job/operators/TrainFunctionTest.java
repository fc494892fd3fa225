package io.tlalign.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.train.CheckpointWriter;
import io.tlalign.job.train.CheckpointedState;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The streaming training operator in Flink's operator test harness, on real native PyTorch: a run
 * cut by a snapshot and restored into a fresh operator ends bit-identical to an uninterrupted run,
 * and checkpoints it cannot continue from are refused.
 */
class TrainFunctionTest {

  private static final int BATCHES = 6;
  private static final int CUT = 3;

  private static List<TrainingBatch> batches;

  /** The uninterrupted run: the reference every restored run is held to. */
  private static TrainingState uninterrupted;

  private static final class Run implements AutoCloseable {
    final TrainFunction function =
        new TrainFunction(TinyTraining.settings(), null, FaultInjection.NONE);
    final OneInputStreamOperatorTestHarness<TrainingBatch, TrainingMetric> harness;

    Run(OperatorSubtaskState restoreFrom) throws Exception {
      harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(function));
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

    void train(List<TrainingBatch> some) throws Exception {
      for (TrainingBatch b : some) {
        harness.processElement(new StreamRecord<>(b));
      }
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
      run.train(batches);
      uninterrupted = run.function.currentState();
      assertThat(run.metrics())
          .extracting(TrainingMetric::getStep)
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }
  }

  @Test
  void aRunRestoredFromASnapshotEndsBitIdenticalToAnUninterruptedRun() throws Exception {
    OperatorSubtaskState snapshot;
    TrainingState atCut;
    try (Run first = new Run(null)) {
      first.train(batches.subList(0, CUT));
      atCut = first.function.currentState();
      snapshot = first.harness.snapshot(1L, 10L);
    }
    assertThat(atCut.step()).isEqualTo(CUT);

    TrainingState end;
    List<TrainingMetric> metrics;
    try (Run second = new Run(snapshot)) {
      assertThat(second.function.currentState())
          .as("the state right after restore")
          .isEqualTo(atCut);
      second.train(batches.subList(CUT, BATCHES));
      end = second.function.currentState();
      metrics = second.metrics();
    }

    assertThat(end.step()).isEqualTo(uninterrupted.step()).isEqualTo(BATCHES);
    assertThat(end.parameters()).isEqualTo(uninterrupted.parameters());
    assertThat(end.firstMoments()).isEqualTo(uninterrupted.firstMoments());
    assertThat(end.secondMoments()).isEqualTo(uninterrupted.secondMoments());
    assertThat(end).isEqualTo(uninterrupted);
    // The comparison can fail: the restored state is not simply the end state.
    assertThat(atCut.parameters()).isNotEqualTo(uninterrupted.parameters());
    assertThat(atCut.secondMoments()).isNotEqualTo(uninterrupted.secondMoments());
    assertThat(metrics).extracting(TrainingMetric::getStep).containsExactly(4L, 5L, 6L);
  }

  @Test
  void theLedgerContinuesFromTheSnapshotWithEveryRecordOnce() throws Exception {
    OperatorSubtaskState snapshot;
    try (Run first = new Run(null)) {
      first.train(batches.subList(0, CUT));
      snapshot = first.harness.snapshot(1L, 10L);
    }
    OperatorSubtaskState end;
    try (Run second = new Run(snapshot)) {
      second.train(batches.subList(CUT, BATCHES));
      end = second.harness.snapshot(2L, 20L);
    }
    // Read the ledger back the way a restore does: through a third operator's state.
    List<String> expected = new ArrayList<>();
    for (TrainingBatch b : batches) {
      expected.addAll(List.of(b.ids));
    }
    try (Run third = new Run(end)) {
      assertThat(third.function.currentState()).isEqualTo(uninterrupted);
      assertThat(ledgerOf(third)).containsExactlyElementsOf(expected);
    }
  }

  private static List<String> ledgerOf(Run run) throws Exception {
    List<String> ids = new ArrayList<>();
    run.harness
        .getOperator()
        .getOperatorStateBackend()
        .getListState(TrainFunction.LEDGER)
        .get()
        .forEach(ids::add);
    return ids;
  }

  @Test
  void aCheckpointWithoutTrainingStateIsRefused() throws Exception {
    // E.g. the operator's uid changed: the checkpoint holds other operators' state only.
    OperatorSubtaskState other =
        new CheckpointWriter().with(TrainFunction.LEDGER, List.of("img-0-0")).snapshot();
    assertThatThrownBy(() -> new Run(other).close())
        .hasStackTraceContaining("holds no training state for this operator")
        .hasStackTraceContaining("refusing to start a new model while the input resumes");
  }

  @Test
  void aCorruptChunkIsRefusedNamingWhatFailed() throws Exception {
    List<byte[]> chunks = CheckpointedState.encode(uninterrupted);
    byte[] altered = chunks.get(0).clone();
    altered[altered.length / 2] ^= 0x10;
    OperatorSubtaskState corrupt =
        new CheckpointWriter().with(TrainFunction.STATE_CHUNKS, List.of(altered)).snapshot();
    assertThatThrownBy(() -> new Run(corrupt).close())
        .hasStackTraceContaining("refusing to restore the training state from the checkpoint")
        .hasStackTraceContaining("payload checksum mismatch")
        .hasStackTraceContaining("the chunk was altered");
  }

  @Test
  void aStateOfAnotherPresetIsRefusedNamingBoth() throws Exception {
    TrainingState other =
        TrainingState.builder()
            .setPreset("deit-tiny")
            .setStep(uninterrupted.step())
            .setParameters(uninterrupted.parameters())
            .optOptimizer(uninterrupted.optimizer())
            .build();
    OperatorSubtaskState snapshot =
        new CheckpointWriter()
            .with(TrainFunction.STATE_CHUNKS, CheckpointedState.encode(other))
            .snapshot();
    assertThatThrownBy(() -> new Run(snapshot).close())
        .hasStackTraceContaining("written by preset 'deit-tiny'")
        .hasStackTraceContaining("this job runs preset 'vit-tiny-fm'");
  }
}
