package io.tlalign.pipeline.operators;

import io.tlalign.model.state.CorruptTrainingStateException;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.StepResult;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.pipeline.job.TrainerSettings;
import io.tlalign.pipeline.publish.ModelPublisher;
import io.tlalign.pipeline.records.TrainingBatch;
import io.tlalign.schemas.TrainingMetric;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
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
 * The training operator: a thin adapter that runs {@link TrainingSession#step} on each batch and
 * keeps the session's complete {@link TrainingState} (parameters, optimizer moments, step) in
 * operator state, written in chunks, so a restore continues exactly where the checkpoint was cut.
 *
 * <p>The engine and session are created in {@link #open} per subtask and closed in {@link #close}.
 * The device is the GPU that Flink's external resource {@code gpu} assigns to this task manager, or
 * the CPU. Models are published from {@link #notifyCheckpointComplete} only, so no published model
 * reflects data that a restore would replay.
 */
public final class TrainFunction extends ProcessFunction<TrainingBatch, TrainingMetric>
    implements CheckpointedFunction, CheckpointListener {

  private static final Logger LOG = LoggerFactory.getLogger(TrainFunction.class);

  /** A chunk of the serialized state: far below RocksDB's 2 GB value limit. */
  static final int CHUNK_BYTES = 8 << 20;

  public static final ListStateDescriptor<byte[]> STATE_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-training-state-chunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  public static final ListStateDescriptor<String> LEDGER =
      new ListStateDescriptor<>("tlalign-trained-record-ids", String.class);

  /** Accumulator with the ids of every trained record, from the ledger, at the end of a run. */
  public static final String LEDGER_ACCUMULATOR = "tlalign-trained-record-ids";

  /** Accumulator with the last step trained, for the run's closing line. */
  public static final String STEP_ACCUMULATOR = "tlalign-final-step";

  private final TrainerSettings settings;
  private final ModelPublisher.Factory publisherFactory;
  private final FaultInjection fault;

  private transient ListState<byte[]> chunksState;
  private transient ListState<String> ledgerState;
  private transient TrainingState restored;
  private transient List<String> ledger;
  private transient TrainingSession session;
  private transient ModelPublisher publisher;
  private transient ListAccumulator<String> ledgerAccumulator;
  private transient TrainingTimes times;
  private transient LongMaximum finalStep;

  private transient Counter steps;
  private transient Counter refused;
  private transient Counter images;
  private transient volatile double lastLoss = Double.NaN;
  private transient volatile double imagesPerSecond;
  private transient long windowStartNanos;
  private transient long windowImages;

  public TrainFunction(
      TrainerSettings settings, ModelPublisher.Factory publisherFactory, FaultInjection fault) {
    this.settings = settings;
    this.publisherFactory = publisherFactory;
    this.fault = fault;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    chunksState = context.getOperatorStateStore().getListState(STATE_CHUNKS);
    ledgerState = context.getOperatorStateStore().getListState(LEDGER);
    ledger = new ArrayList<>();
    if (context.isRestored()) {
      List<byte[]> chunks = new ArrayList<>();
      chunksState.get().forEach(chunks::add);
      if (chunks.isEmpty()) {
        // The sources resume from the saved offsets, so a fresh model here would silently skip
        // everything read before them (e.g. after the train operator's uid changed).
        throw new IllegalStateException(
            "the job is restored from a checkpoint that holds no training state for this"
                + " operator; refusing to start a new model while the input resumes mid-stream."
                + " Restore a checkpoint taken by this job (same operator uid \"train\"), or"
                + " start without one");
      } else {
        try {
          restored = TrainingStateFormat.fromChunks(chunks);
        } catch (CorruptTrainingStateException e) {
          throw new IOException(
              "refusing to restore the training state from the checkpoint: " + e.getMessage(), e);
        }
        restored.requirePreset(settings.model().name());
      }
      ledgerState.get().forEach(ledger::add);
    }
  }

  @Override
  public void open(OpenContext ctx) throws Exception {
    session = settings.openSession(assignedGpu(), restored);
    LOG.info(
        "training {} on {} from step {}{}",
        settings.preset(),
        session.model().device(),
        session.stepCount(),
        restored != null ? " (restored)" : "");
    restored = null;
    publisher = publisherFactory == null ? null : publisherFactory.create();
    if (settings.ledger()) {
      // The job result shows the ledger of the attempt that finished: the ledger restored from
      // its checkpoint plus what it trained itself.
      ledgerAccumulator = new ListAccumulator<>();
      ledger.forEach(ledgerAccumulator::add);
      getRuntimeContext().addAccumulator(LEDGER_ACCUMULATOR, ledgerAccumulator);
    }

    finalStep = new LongMaximum(session.stepCount());
    getRuntimeContext().addAccumulator(STEP_ACCUMULATOR, finalStep);
    times = new TrainingTimes(getRuntimeContext());
    var metrics = getRuntimeContext().getMetricGroup();
    steps = metrics.counter("steps");
    refused = metrics.counter("refusedSteps");
    images = metrics.counter("imagesTrained");
    metrics.gauge("loss", () -> lastLoss);
    metrics.gauge("imagesPerSecond", () -> imagesPerSecond);
    metrics.gauge("step", session::stepCount);
    windowStartNanos = System.nanoTime();
  }

  /** The GPU index from Flink's external resource {@code gpu}, or -1 for the CPU. */
  private int assignedGpu() {
    Set<ExternalResourceInfo> gpus = getRuntimeContext().getExternalResourceInfos("gpu");
    for (ExternalResourceInfo info : gpus) {
      var index = info.getProperty("index");
      if (index.isPresent()) {
        return Integer.parseInt(index.get());
      }
    }
    return -1;
  }

  @Override
  public void processElement(TrainingBatch batch, Context ctx, Collector<TrainingMetric> out) {
    fault.maybeFail(session.stepCount() + 1);
    long t0 = times.begin();
    StepResult r = session.step(batch.toMixedBatch());
    times.end(t0, r.refused() ? 0 : r.batchSize());
    lastLoss = r.loss();
    if (r.refused()) {
      refused.inc();
      LOG.warn("step refused at batch {}: {}", r.batchIndex(), r.refusalReason());
    } else {
      steps.inc();
      images.inc(r.batchSize());
      finalStep.add(r.step());
      if (settings.ledger()) {
        for (String id : batch.ids) {
          ledger.add(id);
          ledgerAccumulator.add(id);
        }
      }
    }
    windowImages += r.batchSize();
    long now = System.nanoTime();
    if (now - windowStartNanos > 1_000_000_000L) {
      imagesPerSecond = windowImages * 1e9 / (now - windowStartNanos);
      windowStartNanos = now;
      windowImages = 0;
    }
    if (r.refused() || r.step() % settings.metricsEvery() == 0) {
      out.collect(
          TrainingMetric.newBuilder()
              .setStep(r.step())
              .setLoss(r.loss())
              .setAccuracy(null)
              .setLearningRate(r.learningRate())
              .setImagesPerSecond(imagesPerSecond)
              .setMeanLambda(r.meanLambda())
              .setMeanAlignedShareA(r.meanAlignedShareA())
              .setAlignedSharesA(boxed(r.alignedSharesA()))
              .setTime(Instant.now())
              .build());
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    TrainingState state = session.captureState();
    chunksState.update(TrainingStateFormat.toChunks(state, CHUNK_BYTES));
    ledgerState.update(ledger);
    if (publisher != null) {
      publisher.stage(state, context.getCheckpointId());
    }
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) throws Exception {
    if (publisher != null) {
      publisher.publishUpTo(checkpointId);
    }
  }

  @Override
  public void notifyCheckpointAborted(long checkpointId) {
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
      if (session != null) {
        session.close();
        session = null;
      }
    }
  }

  /** For tests: the current session's state. */
  TrainingState currentState() {
    return session.captureState();
  }

  /** Avro's array field wants a list; null stays null. */
  private static java.util.List<Float> boxed(float[] values) {
    if (values == null) {
      return null;
    }
    java.util.List<Float> out = new java.util.ArrayList<>(values.length);
    for (float v : values) {
      out.add(v);
    }
    return out;
  }
}
