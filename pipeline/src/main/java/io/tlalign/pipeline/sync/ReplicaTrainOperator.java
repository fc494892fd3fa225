package io.tlalign.pipeline.sync;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.state.CorruptTrainingStateException;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.StepResult;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.pipeline.job.TrainerSettings;
import io.tlalign.pipeline.operators.FaultInjection;
import io.tlalign.pipeline.operators.TrainFunction;
import io.tlalign.pipeline.operators.TrainingTimes;
import io.tlalign.pipeline.publish.ModelPublisher;
import io.tlalign.pipeline.records.TrainingBatch;
import io.tlalign.schemas.TrainingMetric;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
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
 * <p>Everything held between records is operator state: the training state, the buffered batches,
 * the sync messages of rounds not yet applied, the progress counters and the ledgers.
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
   * {@code replica=R round=Q step=N params=SHA256} lines (restored with the state, like the
   * ledger).
   */
  public static final String SYNC_LEDGER_ACCUMULATOR = "tlalign-sync-ledger";

  /** Benchmark figure of the attempt that finished (not restored): ms from publish to complete. */
  public static final String ROUND_LATENCY_ACCUMULATOR = "tlalign-sync-round-latency-ms";

  static final int STATE_CHUNK_BYTES = 8 << 20;
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
  static final ListStateDescriptor<Long> PROGRESS =
      new ListStateDescriptor<>("tlalign-replica-progress", Long.class);

  private final TrainerSettings settings;
  private final SyncSettings sync;
  private final ModelPublisher.Factory publisherFactory;
  private final FaultInjection fault;

  private transient ListState<byte[]> chunksState;
  private transient ListState<String> ledgerState;
  private transient ListState<String> syncLedgerState;
  private transient ListState<TrainingBatch> bufferState;
  private transient ListState<byte[]> syncMessagesState;
  private transient ListState<Long> progressState;

  private transient int replica;
  private transient TrainingState restored;
  private transient TrainingSession session;
  private transient RoundAssembler assembler;
  private transient ArrayDeque<TrainingBatch> buffer;
  private transient List<String> ledger;
  private transient List<String> syncLedger;
  private transient long awaiting;
  private transient boolean inputEnded;
  private transient boolean finalPublished;
  private transient boolean finalApplied;

  private transient ModelPublisher publisher;
  private transient ListAccumulator<String> ledgerAccumulator;
  private transient ListAccumulator<String> syncLedgerAccumulator;
  private transient TrainingTimes times;
  private transient ListAccumulator<Long> roundLatency;
  private transient Map<Long, Long> publishedAt;
  private transient Counter rejectedRounds;
  private transient volatile double lastLoss = Double.NaN;

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
    ledger = new ArrayList<>();
    syncLedger = new ArrayList<>();
    awaiting = NONE;
    if (context.isRestored()) {
      restore();
    }
  }

  private void restore() throws Exception {
    List<Long> progress = new ArrayList<>();
    progressState.get().forEach(progress::add);
    List<byte[]> chunks = new ArrayList<>();
    chunksState.get().forEach(chunks::add);
    if (chunks.isEmpty() || progress.size() != 7) {
      throw new IllegalStateException(
          "the job is restored from a checkpoint that holds no replica state for replica "
              + replica
              + "; refusing to start a new model while the input resumes mid-stream. Restore a"
              + " checkpoint taken with the same tlalign.replicas, or start without one");
    }
    if (progress.get(0) != replica || progress.get(1) != sync.replicas()) {
      throw new IllegalStateException(
          "replica "
              + replica
              + " of "
              + sync.replicas()
              + " was handed the state of replica "
              + progress.get(0)
              + " of "
              + progress.get(1)
              + "; changing tlalign.replicas needs a fresh start (or the old value)");
    }
    assembler.discardUpTo(progress.get(2));
    awaiting = progress.get(3);
    inputEnded = progress.get(4) != 0;
    finalPublished = progress.get(5) != 0;
    finalApplied = progress.get(6) != 0;
    try {
      restored = TrainingStateFormat.fromChunks(chunks);
    } catch (CorruptTrainingStateException e) {
      throw new IOException(
          "refusing to restore replica " + replica + " from the checkpoint: " + e.getMessage(), e);
    }
    restored.requirePreset(settings.model().name());
    bufferState.get().forEach(buffer::add);
    syncMessagesState.get().forEach(assembler::add);
    assembler.drainReports(); // reported when first received
    ledgerState.get().forEach(ledger::add);
    syncLedgerState.get().forEach(syncLedger::add);
  }

  @Override
  public void open() throws Exception {
    super.open();
    Engine engine = EngineSetup.start(EngineOptions.defaults().withThreads(settings.threads(), 1));
    Device device = EngineSetup.selectDevice(engine, assignedGpu());
    session =
        restored != null
            ? TrainingSession.fromState(settings.trainingConfig(), device, restored)
            : TrainingSession.create(settings.trainingConfig(), device);
    LOG.info(
        "replica {} of {} trains {} on {} from step {}{}",
        replica,
        sync.replicas(),
        settings.preset(),
        device,
        session.stepCount(),
        restored != null ? " (restored)" : "");
    restored = null;
    publisher = publisherFactory == null || replica != 0 ? null : publisherFactory.create();
    var ctx = getRuntimeContext();
    if (settings.ledger()) {
      ledgerAccumulator = new ListAccumulator<>();
      ledger.forEach(ledgerAccumulator::add);
      ctx.addAccumulator(TrainFunction.LEDGER_ACCUMULATOR, ledgerAccumulator);
    }
    syncLedgerAccumulator = new ListAccumulator<>();
    syncLedger.forEach(syncLedgerAccumulator::add);
    ctx.addAccumulator(SYNC_LEDGER_ACCUMULATOR, syncLedgerAccumulator);
    times = new TrainingTimes(ctx);
    roundLatency = new ListAccumulator<>();
    ctx.addAccumulator(ROUND_LATENCY_ACCUMULATOR, roundLatency);
    publishedAt = new HashMap<>();
    var metrics = getMetricGroup();
    rejectedRounds = metrics.counter("rejectedSyncRounds");
    metrics.gauge("loss", () -> lastLoss);
    metrics.gauge("step", () -> session.stepCount());
    metrics.gauge("bufferedBatches", () -> buffer.size());
    metrics.gauge("awaitedRound", () -> awaiting);
  }

  private int assignedGpu() {
    for (ExternalResourceInfo info : getRuntimeContext().getExternalResourceInfos("gpu")) {
      var index = info.getProperty("index");
      if (index.isPresent()) {
        return Integer.parseInt(index.get());
      }
    }
    return -1;
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
    if (sync.faultReplica() < 0 || sync.faultReplica() == replica) {
      fault.maybeFail(session.stepCount() + 1);
    }
    long t0 = times.begin();
    StepResult r = session.step(batch.toMixedBatch());
    times.end(t0, r.refused() ? 0 : r.batchSize());
    lastLoss = r.loss();
    if (r.refused()) {
      LOG.warn(
          "replica {}: step refused at batch {}: {}", replica, r.batchIndex(), r.refusalReason());
    } else if (settings.ledger()) {
      for (String id : batch.ids) {
        ledger.add(id);
        ledgerAccumulator.add(id);
      }
    }
    if (replica == 0 && (r.refused() || r.step() % settings.metricsEvery() == 0)) {
      output.collect(
          new StreamRecord<>(
              TrainingMetric.newBuilder()
                  .setStep(r.step())
                  .setLoss(r.loss())
                  .setAccuracy(null)
                  .setLearningRate(r.learningRate())
                  .setImagesPerSecond(0.0)
                  .setMeanLambda(r.meanLambda())
                  .setMeanAlignedShareA(r.meanAlignedShareA())
                  .setTime(Instant.now())
                  .build()));
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
    TrainingState state = session.captureState();
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
    TrainingState end = session.captureState();
    note(
        SyncChunk.FINAL_ROUND,
        "step="
            + end.step()
            + " params="
            + ParameterDigest.of(end.parameters())
            + " state="
            + ParameterDigest.ofState(end));
  }

  /** Replaces the parameters (and moments, if averaged) with the round's average. */
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
    TrainingState current = session.captureState();
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
    session.restore(
        TrainingState.builder()
            .setPreset(current.preset())
            .setStep(current.step())
            .setParameters(params)
            .optRefusedSteps(current.refusedSteps())
            .optRngState(current.rngState())
            .optOptimizer(moments != null ? moments : current.optimizer())
            .optMetadata(current.metadata())
            .build());
    if (publisher != null) {
      publisher.parametersChanged();
    }
    if (round != SyncChunk.FINAL_ROUND) {
      note(round, "step=" + current.step() + " params=" + ParameterDigest.of(params));
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
    TrainingState state = session.captureState();
    chunksState.update(TrainingStateFormat.toChunks(state, STATE_CHUNK_BYTES));
    ledgerState.update(ledger);
    syncLedgerState.update(syncLedger);
    bufferState.update(new ArrayList<>(buffer));
    syncMessagesState.update(assembler.retained());
    progressState.update(
        List.of(
            (long) replica,
            (long) sync.replicas(),
            assembler.floor(),
            awaiting,
            inputEnded ? 1L : 0L,
            finalPublished ? 1L : 0L,
            finalApplied ? 1L : 0L));
    if (publisher != null) {
      publisher.stage(state, context.getCheckpointId());
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    super.notifyCheckpointComplete(checkpointId);
    if (publisher != null) {
      publisher.publishUpTo(checkpointId);
    }
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) throws Exception {
    super.notifyCheckpointAborted(checkpointId);
    if (publisher != null) {
      publisher.discard(checkpointId);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (publisher != null) {
        publisher.close();
      }
    } finally {
      try {
        if (session != null) {
          session.close();
          session = null;
        }
      } finally {
        super.close();
      }
    }
  }
}
