package io.tlalign.job.sync;

import io.tlalign.job.operators.AssignedGpu;
import io.tlalign.job.operators.FaultInjection;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.operators.TrainingTimes;
import io.tlalign.job.publish.ModelPublisher;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.train.CheckpointedState;
import io.tlalign.job.train.ModelPublication;
import io.tlalign.job.train.RestoreSubject;
import io.tlalign.job.train.StepOutcome;
import io.tlalign.job.train.TrainingCore;
import io.tlalign.model.state.CorruptTrainingStateException;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.StepResult;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One data-parallel training replica: trains its share of the batches (input 1) and keeps in step
 * with the other replicas through the sync topic (input 2, every replica reads every message).
 *
 * <p>Every K local steps the replica publishes its parameters as round q = step / K (side output
 * {@link #SYNC}, written transactionally). Right after publishing round q it replaces its
 * parameters with the average of round q - S, summed in replica order; if that average is not
 * complete yet, it buffers its input until it is. Where the average applies depends only on step
 * counts, never on when messages arrive, so runs are reproducible bit for bit. Optimizer moments
 * stay local unless {@link SyncSettings#averageMoments()}.
 *
 * <p>At the end of a bounded input a replica publishes its final parameters and applies their
 * average, so all replicas end with the same parameters. A round that some replica ended before
 * reaching can never complete and is skipped by every replica alike.
 *
 * <p>The model, its step, metrics, ledger and publishing are the {@link TrainingCore} that the
 * streaming job's trainer uses too; this operator adds the sync protocol. Everything held between
 * records is operator state: the training state, the buffered batches, the sync messages of rounds
 * not yet applied, the {@link ReplicaProgress} and the ledgers.
 */
public final class ReplicaTrainOperator extends AbstractStreamOperator<TrainingMetric>
    implements TwoInputStreamOperator<TrainingBatch, byte[], TrainingMetric>, BoundedMultiInput {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaTrainOperator.class);

  /** The sync messages this replica publishes. */
  public static final OutputTag<byte[]> SYNC =
      new OutputTag<>("tlalign-sync", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /**
   * Accumulator listing, per replica, each round it applied or skipped and its final state, as
   * {@code replica=R round=Q step=N params=SHA256 state=SHA256} lines (restored with the state,
   * like the ledger). The digests are of the state read back from the session after the round
   * applied: {@code params} of the parameters ({@link ParameterDigest#of}), {@code state} of the
   * whole state, both AdamW moments and the step included ({@link ParameterDigest#ofState}).
   */
  public static final String SYNC_LEDGER_ACCUMULATOR = "tlalign-sync-ledger";

  /** Benchmark figure of the attempt that finished (not restored): ms from publish to complete. */
  public static final String ROUND_LATENCY_ACCUMULATOR = "tlalign-sync-round-latency-ms";

  private static final long NONE = -1;

  static final ListStateDescriptor<byte[]> STATE_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-replica-state-chunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  static final ListStateDescriptor<String> LEDGER =
      new ListStateDescriptor<>("tlalign-replica-trained-ids", String.class);
  static final ListStateDescriptor<String> SYNC_LEDGER =
      new ListStateDescriptor<>("tlalign-replica-sync-ledger", String.class);
  static final ListStateDescriptor<TrainingBatch> BUFFER =
      new ListStateDescriptor<>(
          "tlalign-replica-buffered-batches", TypeInformation.of(TrainingBatch.class));
  static final ListStateDescriptor<byte[]> SYNC_MESSAGES =
      new ListStateDescriptor<>(
          "tlalign-replica-sync-messages", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** A POJO type (a Java record, serialized by field name), never a Kryo generic type. */
  static final TypeInformation<ReplicaProgress> PROGRESS_TYPE =
      TypeInformation.of(ReplicaProgress.class);

  static final ListStateDescriptor<ReplicaProgress> PROGRESS =
      new ListStateDescriptor<>("tlalign-replica-progress-v2", PROGRESS_TYPE);

  /**
   * The progress as checkpoints of the previous version hold it: seven positional longs (see {@link
   * ReplicaProgress#fromLegacyLongs}). Read when {@link #PROGRESS} is empty, cleared on every
   * snapshot.
   */
  static final ListStateDescriptor<Long> LEGACY_PROGRESS =
      new ListStateDescriptor<>("tlalign-replica-progress", Types.LONG);

  private final TrainerSettings settings;
  private final SyncSettings sync;
  private final ModelPublisher.Factory publisherFactory;
  private final FaultInjection fault;

  private transient ListState<byte[]> chunksState;
  private transient ListState<String> ledgerState;
  private transient ListState<String> syncLedgerState;
  private transient ListState<TrainingBatch> bufferState;
  private transient ListState<byte[]> syncMessagesState;
  private transient ListState<ReplicaProgress> progressState;
  private transient ListState<Long> legacyProgressState;

  private transient int replica;
  private transient TrainingState restored;
  private transient TrainingCore core;
  private transient RoundAssembler assembler;
  private transient ArrayDeque<TrainingBatch> buffer;
  private transient List<String> restoredLedger;
  private transient List<String> syncLedger;
  private transient long awaiting;
  private transient boolean inputEnded;
  private transient boolean finalPublished;
  private transient boolean finalApplied;

  private transient ListAccumulator<String> syncLedgerAccumulator;
  private transient ListAccumulator<Long> roundLatency;
  private transient Map<Long, Long> publishedAt;
  private transient Counter rejectedRounds;

  public ReplicaTrainOperator(
      TrainerSettings settings,
      SyncSettings sync,
      ModelPublisher.Factory publisherFactory,
      FaultInjection fault) {
    this.settings = settings;
    this.sync = sync;
    this.publisherFactory = publisherFactory;
    this.fault = fault;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    var store = context.getOperatorStateStore();
    chunksState = store.getListState(STATE_CHUNKS);
    ledgerState = store.getListState(LEDGER);
    syncLedgerState = store.getListState(SYNC_LEDGER);
    bufferState = store.getListState(BUFFER);
    syncMessagesState = store.getListState(SYNC_MESSAGES);
    progressState = store.getListState(PROGRESS);
    legacyProgressState = store.getListState(LEGACY_PROGRESS);
    replica = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    if (parallelism != sync.replicas()) {
      throw new IllegalStateException(
          "the replica operator runs with parallelism "
              + parallelism
              + " but tlalign.replicas is "
              + sync.replicas()
              + "; leave the operator's parallelism to tlalign.replicas");
    }
    assembler = new RoundAssembler(sync.runId(), sync.replicas());
    buffer = new ArrayDeque<>();
    restoredLedger = new ArrayList<>();
    syncLedger = new ArrayList<>();
    awaiting = NONE;
    if (context.isRestored()) {
      restore();
    }
  }

  private void restore() throws Exception {
    RestoreSubject subject = RestoreSubject.replica(replica);
    ReplicaProgress progress = restoredProgress();
    List<byte[]> chunks = new ArrayList<>();
    chunksState.get().forEach(chunks::add);
    if (chunks.isEmpty() || progress == null) {
      throw CheckpointedState.missing(subject);
    }
    progress.requireReplica(replica, sync.replicas());
    assembler.discardUpTo(progress.floor());
    awaiting = progress.awaiting();
    inputEnded = progress.inputEnded();
    finalPublished = progress.finalPublished();
    finalApplied = progress.finalApplied();
    restored = CheckpointedState.decode(chunks, settings.model().name(), subject);
    bufferState.get().forEach(buffer::add);
    syncMessagesState.get().forEach(assembler::add);
    assembler.drainReports(); // reported when first received
    ledgerState.get().forEach(restoredLedger::add);
    syncLedgerState.get().forEach(syncLedger::add);
  }

  /**
   * This replica's progress from the checkpoint: the named value, or else the seven longs a
   * checkpoint of the previous version holds; null when there is neither.
   */
  private ReplicaProgress restoredProgress() throws Exception {
    List<ReplicaProgress> named = new ArrayList<>();
    progressState.get().forEach(named::add);
    if (named.size() > 1) {
      throw new IllegalStateException(
          "replica "
              + replica
              + " was handed "
              + named.size()
              + " progress values; the checkpoint was taken with another tlalign.replicas, which"
              + " needs a fresh start (or the old value)");
    }
    if (!named.isEmpty()) {
      return named.get(0);
    }
    List<Long> legacy = new ArrayList<>();
    legacyProgressState.get().forEach(legacy::add);
    return legacy.isEmpty() ? null : ReplicaProgress.fromLegacyLongs(legacy);
  }

  /** Where this replica stands now, for the snapshot. */
  ReplicaProgress progress() {
    return new ReplicaProgress(
        replica,
        sync.replicas(),
        assembler.floor(),
        awaiting,
        inputEnded,
        finalPublished,
        finalApplied);
  }

  @Override
  public void open() throws Exception {
    super.open();
    var ctx = getRuntimeContext();
    boolean drills = sync.faultReplica() < 0 || sync.faultReplica() == replica;
    core =
        TrainingCore.builder()
            .setSettings(settings)
            .optName("replica " + replica)
            .optGpu(AssignedGpu.of(ctx))
            .optRestored(restored, restoredLedger)
            .optPublication(
                publisherFactory == null || replica != 0
                    ? ModelPublication.NONE
                    : publisherFactory.create())
            .optFaultDrill(drills ? fault::maybeFail : step -> {})
            .optStepTimer(new TrainingTimes(ctx))
            .build();
    LOG.info(
        "replica {} of {} trains {} on {} from step {}{}",
        replica,
        sync.replicas(),
        settings.preset(),
        core.device(),
        core.stepCount(),
        restored != null ? " (restored)" : "");
    restored = null;
    restoredLedger = null;
    if (core.ledger().enabled()) {
      ListAccumulator<String> ledgerAccumulator = new ListAccumulator<>();
      ctx.addAccumulator(TrainFunction.LEDGER_ACCUMULATOR, ledgerAccumulator);
      core.ledger().mirrorTo(ledgerAccumulator::add);
    }
    syncLedgerAccumulator = new ListAccumulator<>();
    syncLedger.forEach(syncLedgerAccumulator::add);
    ctx.addAccumulator(SYNC_LEDGER_ACCUMULATOR, syncLedgerAccumulator);
    roundLatency = new ListAccumulator<>();
    ctx.addAccumulator(ROUND_LATENCY_ACCUMULATOR, roundLatency);
    publishedAt = new HashMap<>();
    var metrics = getMetricGroup();
    rejectedRounds = metrics.counter("rejectedSyncRounds");
    metrics.gauge("loss", core::lastLoss);
    metrics.gauge("imagesPerSecond", core::imagesPerSecond);
    metrics.gauge("step", core::stepCount);
    metrics.gauge("bufferedBatches", () -> buffer.size());
    metrics.gauge("awaitedRound", () -> awaiting);
  }

  @Override
  public void processElement1(StreamRecord<TrainingBatch> element) {
    buffer.add(element.getValue());
    advance();
  }

  @Override
  public void processElement2(StreamRecord<byte[]> element) {
    assembler.add(element.getValue());
    for (String report : assembler.drainReports()) {
      rejectedRounds.inc();
      LOG.error("replica {}: {}", replica, report);
    }
    publishedAt
        .entrySet()
        .removeIf(
            e -> {
              if (assembler.status(e.getKey()) == RoundAssembler.Status.PENDING) {
                return false;
              }
              roundLatency.add((System.nanoTime() - e.getValue()) / 1_000_000);
              return true;
            });
    advance();
  }

  @Override
  public void endInput(int inputId) {
    if (inputId == 1) {
      inputEnded = true;
      advance();
    } else if (!finalApplied) {
      throw new IllegalStateException(
          "the sync stream ended before replica "
              + replica
              + " applied its final average; the sync topic lost messages of this run");
    }
  }

  /** Trains buffered batches until a round it must apply is missing or the buffer is empty. */
  private void advance() {
    while (true) {
      if (awaiting != NONE && !resolveAwaited()) {
        return;
      }
      TrainingBatch next = buffer.pollFirst();
      if (next == null) {
        break;
      }
      train(next);
    }
    if (inputEnded && !finalPublished) {
      publish(SyncChunk.FINAL_ROUND);
      finalPublished = true;
    }
    if (finalPublished && !finalApplied) {
      resolveFinal();
    }
  }

  private void train(TrainingBatch batch) {
    StepOutcome outcome = core.step(batch);
    StepResult r = outcome.result();
    if (replica == 0 && outcome.metric() != null) {
      output.collect(new StreamRecord<>(outcome.metric()));
    }
    if (!r.refused() && r.step() % sync.everySteps() == 0) {
      long round = r.step() / sync.everySteps();
      publish(round);
      long due = round - sync.lagRounds();
      if (due >= 1) {
        awaiting = due;
      }
    }
  }

  private void publish(long round) {
    TrainingState state = core.captureState();
    byte[] payload = Contribution.payloadOf(state, sync.averageMoments()).toBytes();
    for (byte[] message :
        Contribution.messages(
            sync.runId(),
            round,
            state.step(),
            replica,
            sync.replicas(),
            payload,
            sync.chunkBytes())) {
      output.collect(SYNC, new StreamRecord<>(message));
    }
    publishedAt.put(round, System.nanoTime());
  }

  /** Applies or skips the awaited round; false while it can still arrive. */
  private boolean resolveAwaited() {
    long round = awaiting;
    switch (assembler.status(round)) {
      case COMPLETE -> apply(round);
      case REJECTED -> note(round, "skipped: " + assembler.rejection(round));
      case PENDING -> {
        if (!abandoned(round)) {
          return false;
        }
        note(round, "skipped: a replica's input ended before this round");
      }
    }
    assembler.discardUpTo(round);
    awaiting = NONE;
    return true;
  }

  /** A replica whose final contribution came before round {@code round} never publishes it. */
  private boolean abandoned(long round) {
    for (int j = 0; j < sync.replicas(); j++) {
      Long finalStep = assembler.finalStep(j);
      if (finalStep != null && finalStep < round * sync.everySteps()) {
        return true;
      }
    }
    return false;
  }

  private void resolveFinal() {
    switch (assembler.status(SyncChunk.FINAL_ROUND)) {
      case COMPLETE -> apply(SyncChunk.FINAL_ROUND);
      case REJECTED ->
          note(SyncChunk.FINAL_ROUND, "skipped: " + assembler.rejection(SyncChunk.FINAL_ROUND));
      case PENDING -> {
        return;
      }
    }
    finalApplied = true;
    TrainingState end = core.captureState();
    note(
        SyncChunk.FINAL_ROUND,
        "step="
            + end.step()
            + " params="
            + ParameterDigest.of(end.parameters())
            + " state="
            + ParameterDigest.ofState(end));
  }

  /**
   * Replaces the parameters (and moments, if averaged) with the round's average, and notes the
   * digests of the state read back from the session, so a run shows what the replica holds, not
   * what it was handed.
   */
  private void apply(long round) {
    List<TrainingState> contributions = new ArrayList<>();
    for (byte[] payload : assembler.payloads(round)) {
      try {
        contributions.add(TrainingStateFormat.fromBytes(payload));
      } catch (CorruptTrainingStateException e) {
        // The same bytes fail on every replica: all skip this round alike.
        note(round, "skipped: a contribution does not decode: " + e.getMessage());
        return;
      }
    }
    TrainingState current = core.captureState();
    var params = ReplicaAverage.parameters(contributions);
    if (sync.applyDelta() && round != SyncChunk.FINAL_ROUND) {
      params =
          ReplicaAverage.shift(
              current.parameters(), contributions.get(replica).parameters(), params);
    }
    OptimizerState moments =
        sync.averageMoments()
            ? ReplicaAverage.moments(contributions, current.optimizerStepCount())
            : null;
    core.replaceState(
        TrainingState.builder()
            .setPreset(current.preset())
            .setStep(current.step())
            .setParameters(params)
            .optRefusedSteps(current.refusedSteps())
            .optRngState(current.rngState())
            .optOptimizer(moments != null ? moments : current.optimizer())
            .optMetadata(current.metadata())
            .build());
    if (round != SyncChunk.FINAL_ROUND) {
      TrainingState held = core.captureState();
      note(
          round,
          "step="
              + held.step()
              + " params="
              + ParameterDigest.of(held.parameters())
              + " state="
              + ParameterDigest.ofState(held));
    }
  }

  private void note(long round, String what) {
    String line =
        "replica="
            + replica
            + " round="
            + (round == SyncChunk.FINAL_ROUND ? "final" : Long.toString(round))
            + " "
            + what;
    syncLedger.add(line);
    syncLedgerAccumulator.add(line);
    if (what.startsWith("skipped")) {
      LOG.warn(line);
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    chunksState.update(core.snapshot(context.getCheckpointId()));
    ledgerState.update(core.ledger().ids());
    syncLedgerState.update(syncLedger);
    bufferState.update(new ArrayList<>(buffer));
    syncMessagesState.update(assembler.retained());
    progressState.update(List.of(progress()));
    legacyProgressState.clear();
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    core.checkpointComplete(checkpointId);
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    super.notifyCheckpointAborted(checkpointId);
    core.checkpointAborted(checkpointId);
  }

  @Override
  public void close() throws Exception {
    try {
      if (core != null) {
        core.close();
        core = null;
      }
    } finally {
      super.close();
    }
  }

  /** For tests: the state the session holds now. */
  TrainingState currentState() {
    return core.captureState();
  }
}
