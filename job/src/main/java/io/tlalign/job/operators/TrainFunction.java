package io.tlalign.job.operators;

import io.tlalign.job.publish.ModelPublisher;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.train.CheckpointedState;
import io.tlalign.job.train.ModelPublication;
import io.tlalign.job.train.RestoreSubject;
import io.tlalign.job.train.StepOutcome;
import io.tlalign.job.train.TrainingCore;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming job's training operator (parallelism 1): a thin adapter that maps Flink's life
 * cycle onto the {@link TrainingCore} and keeps the core's complete training state (parameters,
 * optimizer moments, step) in operator state, written in chunks, so a restore continues exactly
 * where the checkpoint was cut.
 *
 * <p>The core is opened in {@link #open} per subtask and closed in {@link #close}. The device is
 * the GPU that Flink's external resource {@code gpu} assigns to this task manager, or the CPU.
 * Models are published from {@link #notifyCheckpointComplete} only, so no published model reflects
 * data that a restore would replay.
 */
public final class TrainFunction extends ProcessFunction<TrainingBatch, TrainingMetric>
    implements CheckpointedFunction, CheckpointListener {

  private static final Logger LOG = LoggerFactory.getLogger(TrainFunction.class);

  /** A chunk of the serialized state: far below RocksDB's 2 GB value limit. */
  static final int CHUNK_BYTES = CheckpointedState.CHUNK_BYTES;

  /**
   * The training state as checkpoints of earlier versions hold it (split list state): read on
   * restore, cleared on every snapshot.
   */
  public static final ListStateDescriptor<byte[]> STATE_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-training-state-chunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /**
   * The training state's chunks, as union list state: at parallelism 1 the same as split, and a job
   * restored with replicas (which share this operator's uid) hands all of it to every replica as
   * their starting point, instead of scattering its chunks among them.
   */
  public static final ListStateDescriptor<byte[]> TRAINING_STATE =
      new ListStateDescriptor<>(
          "tlalign-training-state", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  public static final ListStateDescriptor<String> LEDGER =
      new ListStateDescriptor<>("tlalign-trained-record-ids", String.class);

  /** Batches handed over by another trainer (see {@link TakeOver}) and not trained yet. */
  public static final ListStateDescriptor<TrainingBatch> HANDED_OVER =
      new ListStateDescriptor<>(
          "tlalign-handed-over-batches",
          org.apache.flink.api.common.typeinfo.TypeInformation.of(TrainingBatch.class));

  /** Accumulator with the ids of every trained record, from the ledger, at the end of a run. */
  public static final String LEDGER_ACCUMULATOR = "tlalign-trained-record-ids";

  /** Accumulator with the last step trained, for the run's closing line. */
  public static final String STEP_ACCUMULATOR = "tlalign-final-step";

  private final TrainerSettings settings;
  private final ModelPublisher.Factory publisherFactory;
  private final FaultInjection fault;
  private final TakeOver takeOver;

  private transient ListState<byte[]> chunksState;
  private transient ListState<byte[]> legacyChunksState;
  private transient ListState<String> ledgerState;
  private transient ArrayDeque<TrainingBatch> handedOver;
  private transient ListState<TrainingBatch> handedOverState;
  private transient List<TrainingMetric> pendingMetrics;
  private transient TrainingState restored;
  private transient List<String> restoredLedger;
  private transient TrainingCore core;
  private transient LongMaximum finalStep;
  private transient Counter steps;
  private transient Counter refused;
  private transient Counter images;

  public TrainFunction(
      TrainerSettings settings, ModelPublisher.Factory publisherFactory, FaultInjection fault) {
    this(settings, publisherFactory, fault, TakeOver.NONE);
  }

  /**
   * @param takeOver how to continue from another trainer's checkpoint under this uid (the
   *     replicas'), when it holds no state of this trainer's own
   */
  public TrainFunction(
      TrainerSettings settings,
      ModelPublisher.Factory publisherFactory,
      FaultInjection fault,
      TakeOver takeOver) {
    this.settings = settings;
    this.publisherFactory = publisherFactory;
    this.fault = fault;
    this.takeOver = takeOver;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    var store = context.getOperatorStateStore();
    chunksState = store.getUnionListState(TRAINING_STATE);
    legacyChunksState = store.getListState(STATE_CHUNKS);
    ledgerState = store.getListState(LEDGER);
    restoredLedger = new ArrayList<>();
    handedOver = new ArrayDeque<>();
    handedOverState = store.getListState(HANDED_OVER);
    if (context.isRestored()) {
      handedOverState.get().forEach(handedOver::add);
      List<byte[]> chunks = new ArrayList<>();
      chunksState.get().forEach(chunks::add);
      if (chunks.isEmpty()) {
        legacyChunksState.get().forEach(chunks::add);
      }
      ledgerState.get().forEach(restoredLedger::add);
      if (chunks.isEmpty()) {
        TakeOver.Taken taken = takeOver.read(store, settings.model().name());
        if (taken != null) {
          restored = taken.start();
          restoredLedger.addAll(taken.ledger());
          handedOver.addAll(taken.batches());
          LOG.info("training resumes as one trainer: {}", taken.description());
          return;
        }
      }
      restored =
          CheckpointedState.decode(
              chunks, settings.model().name(), RestoreSubject.streamingTrainer());
    }
  }

  @Override
  public void open(OpenContext ctx) throws Exception {
    RuntimeContext rc = getRuntimeContext();
    core =
        TrainingCore.builder()
            .setSettings(settings)
            .optGpu(AssignedGpu.of(rc))
            .optRestored(restored, restoredLedger)
            .optPublication(
                publisherFactory == null ? ModelPublication.NONE : publisherFactory.create())
            .optFaultDrill(fault::maybeFail)
            .optStepTimer(new TrainingTimes(rc))
            .build();
    LOG.info(
        "training {} on {} from step {}{}",
        settings.preset(),
        core.device(),
        core.stepCount(),
        restored != null ? " (restored)" : "");
    restored = null;
    restoredLedger = null;
    if (core.ledger().enabled()) {
      // The job result shows the ledger of the attempt that finished: the ledger restored from
      // its checkpoint plus what it trained itself.
      ListAccumulator<String> ledgerAccumulator = new ListAccumulator<>();
      rc.addAccumulator(LEDGER_ACCUMULATOR, ledgerAccumulator);
      core.ledger().mirrorTo(ledgerAccumulator::add);
    }
    finalStep = new LongMaximum(core.stepCount());
    rc.addAccumulator(STEP_ACCUMULATOR, finalStep);
    var metrics = rc.getMetricGroup();
    steps = metrics.counter("steps");
    refused = metrics.counter("refusedSteps");
    images = metrics.counter("imagesTrained");
    metrics.gauge("loss", core::lastLoss);
    metrics.gauge("imagesPerSecond", core::imagesPerSecond);
    metrics.gauge("step", core::stepCount);
    // Batches the replicas held when their savepoint was taken are trained first, in batch order,
    // now: no further batch may ever come (the replicas may have held the last ones). Their
    // metrics go out with the next batch's.
    pendingMetrics = new ArrayList<>();
    for (TrainingBatch b = handedOver.pollFirst(); b != null; b = handedOver.pollFirst()) {
      TrainingMetric m = train(b);
      if (m != null) {
        pendingMetrics.add(m);
      }
    }
  }

  @Override
  public void processElement(TrainingBatch batch, Context ctx, Collector<TrainingMetric> out) {
    if (!pendingMetrics.isEmpty()) {
      pendingMetrics.forEach(out::collect);
      pendingMetrics.clear();
    }
    TrainingMetric m = train(batch);
    if (m != null) {
      out.collect(m);
    }
  }

  /** Trains one batch; its metric, or null when none is due. */
  private TrainingMetric train(TrainingBatch batch) {
    StepOutcome outcome = core.step(batch);
    if (outcome.result().refused()) {
      refused.inc();
    } else {
      steps.inc();
      images.inc(outcome.trainedImages());
      finalStep.add(outcome.result().step());
    }
    return outcome.metric();
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    chunksState.update(core.snapshot(context.getCheckpointId()));
    legacyChunksState.clear();
    ledgerState.update(core.ledger().ids());
    handedOverState.update(new ArrayList<>(handedOver));
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    core.checkpointComplete(checkpointId);
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) {
    core.checkpointAborted(checkpointId);
  }

  @Override
  public void close() throws Exception {
    if (core != null) {
      core.close();
      core = null;
    }
  }

  /** For tests: the current session's state. */
  public TrainingState currentState() {
    return core.captureState();
  }

  /** For tests: the ids of the records trained (restored and handed over ones included). */
  public List<String> trainedIds() {
    return core.ledger().ids();
  }
}
