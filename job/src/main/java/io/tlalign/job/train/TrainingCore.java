package io.tlalign.job.train;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.LocalGradients;
import io.tlalign.model.train.StepResult;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.schemas.TrainingMetric;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training subtask's model and everything that goes with it, whichever operator drives it: the
 * {@link TrainingSession} opened from {@link TrainerSettings}, the step with its metric, the ledger
 * of trained records, the state for checkpoints and the model publishing hooks. The streaming
 * trainer, the data-parallel replicas and the Flink ML fit are thin adapters over it, so a fix to
 * any of these lands in all three.
 *
 * <p>It owns what it is given: {@link #close} closes the publication and the session (native
 * memory). Use it from one thread, as a Flink task does.
 */
public final class TrainingCore implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingCore.class);

  private final String name;
  private final TrainerSettings settings;
  private final TrainingSession session;
  private final ModelPublication publication;
  private final LongConsumer faultDrill;
  private final StepTimer timer;
  private final TrainedRecordLedger ledger;
  private final ThroughputWindow throughput;
  private volatile double lastLoss = Double.NaN;
  private volatile double imagesPerSecond;

  private TrainingCore(Builder b, TrainingSession session) {
    this.name = b.name;
    this.settings = b.settings;
    this.session = session;
    this.publication = b.publication;
    this.faultDrill = b.faultDrill;
    this.timer = b.timer;
    this.ledger = new TrainedRecordLedger(b.ledger);
    this.ledger.restore(b.restoredLedger);
    this.throughput = new ThroughputWindow(b.nanoClock);
  }

  /** A builder: {@code set*} for the required settings, {@code opt*} for the rest. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Trains one batch: the fault drill (if one is due at the next step), the step, the ledger, the
   * throughput, and the metric when this step reports one.
   */
  public StepOutcome step(TrainingBatch batch) {
    faultDrill.accept(session.stepCount() + 1);
    long t0 = timer.begin();
    StepResult r = session.step(batch.toMixedBatch());
    timer.end(t0, r.refused() ? 0 : r.batchSize());
    return finish(r, batch.ids);
  }

  /**
   * The first half of a data-parallel step (see {@link TrainingSession#gradients}): the fault drill
   * (if one is due at the next step) and the forward and backward passes; nothing changes.
   */
  public LocalGradients gradients(TrainingBatch batch) {
    faultDrill.accept(session.stepCount() + 1);
    long t0 = timer.begin();
    LocalGradients g = session.gradients(batch.toMixedBatch());
    timer.end(t0, 0);
    return g;
  }

  /**
   * The second half: applies the replicas' averaged gradients (clipping and AdamW, see {@link
   * TrainingSession#applyGradients}), or refuses the step with {@code refusal} when {@code
   * averaged} is null; then the ledger (of this replica's batch {@code ids}), the throughput and
   * the metric, as {@link #step}.
   */
  public StepOutcome applyGradients(
      LocalGradients local, String[] ids, List<NamedTensor> averaged, String refusal) {
    long t0 = timer.begin();
    StepResult r =
        averaged == null
            ? session.refuseGradients(local, refusal)
            : session.applyGradients(local, averaged);
    timer.end(t0, r.refused() ? 0 : r.batchSize());
    return finish(r, ids);
  }

  private StepOutcome finish(StepResult r, String[] ids) {
    lastLoss = r.loss();
    if (r.refused()) {
      LOG.warn("{}: step refused at batch {}: {}", name, r.batchIndex(), r.refusalReason());
    } else {
      ledger.trained(ids);
    }
    throughput.add(r.batchSize());
    imagesPerSecond = throughput.imagesPerSecond();
    TrainingMetric metric =
        StepMetrics.due(r, settings.metricsEvery())
            ? StepMetrics.of(r, imagesPerSecond, Instant.now())
            : null;
    return new StepOutcome(r, metric);
  }

  /**
   * The state for checkpoint {@code checkpointId} as chunks for operator state; the model of the
   * same state is staged for publishing once that checkpoint completes.
   */
  public List<byte[]> snapshot(long checkpointId) throws Exception {
    return snapshot(checkpointId, UnaryOperator.identity());
  }

  /**
   * As {@link #snapshot(long)}, but the model staged is {@code published} of the state, e.g. the
   * replicas' consensus instead of this replica's own parameters.
   */
  public List<byte[]> snapshot(long checkpointId, UnaryOperator<TrainingState> published)
      throws Exception {
    TrainingState state = session.captureState();
    List<byte[]> chunks = CheckpointedState.encode(state);
    publication.stage(published.apply(state), checkpointId);
    return chunks;
  }

  /** Publishes the model staged for the newest checkpoint up to {@code checkpointId}. */
  public void checkpointComplete(long checkpointId) throws Exception {
    publication.publishUpTo(checkpointId);
  }

  /** Forgets the model staged for the aborted checkpoint. */
  public void checkpointAborted(long checkpointId) {
    publication.discard(checkpointId);
  }

  /** Parameters, moments and counters, copied to host memory. */
  public TrainingState captureState() {
    return session.captureState();
  }

  /**
   * Replaces the whole state without a step (replicas applying an average); the next checkpoint
   * stages a model even at the same step.
   */
  public void replaceState(TrainingState state) {
    session.restore(state);
    publication.parametersChanged();
  }

  /** Applied steps so far. */
  public long stepCount() {
    return session.stepCount();
  }

  /** The last step's loss, for a gauge; NaN before the first. */
  public double lastLoss() {
    return lastLoss;
  }

  /**
   * The training rate over the last closed window of at least a second; see {@link
   * ThroughputWindow}.
   */
  public double imagesPerSecond() {
    return imagesPerSecond;
  }

  public TrainedRecordLedger ledger() {
    return ledger;
  }

  /** The device the session trains on, for logs. */
  public String device() {
    return session.model().device().toString();
  }

  @Override
  public void close() throws Exception {
    try {
      publication.close();
    } finally {
      session.close();
    }
  }

  /** Opens a {@link TrainingCore}; every check is made in {@link #build}. */
  public static final class Builder {
    private String name = "train";
    private TrainerSettings settings;
    private int gpu = -1;
    private TrainingState restored;
    private Iterable<String> restoredLedger = List.of();
    private Boolean ledger;
    private ModelPublication publication = ModelPublication.NONE;
    private LongConsumer faultDrill = step -> {};
    private StepTimer timer = StepTimer.NONE;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder() {}

    /** The job's training settings: preset, optimizer, seed, engine threads, metrics. */
    public Builder setSettings(TrainerSettings settings) {
      this.settings = settings;
      return this;
    }

    /** What logs call this trainer, e.g. {@code replica 1}; default {@code train}. */
    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    /** The GPU index Flink assigned, or -1 (the default) for the CPU. */
    public Builder optGpu(int gpu) {
      this.gpu = gpu;
      return this;
    }

    /** The state and ledger read back from a checkpoint (see {@link CheckpointedState#decode}). */
    public Builder optRestored(TrainingState state, Iterable<String> ledgerIds) {
      this.restored = state;
      this.restoredLedger = ledgerIds;
      return this;
    }

    /** Whether to list trained record ids; default {@link TrainerSettings#ledger()}. */
    public Builder optLedger(boolean enabled) {
      this.ledger = enabled;
      return this;
    }

    /** Where models go on checkpoints; default {@link ModelPublication#NONE}. Owned from build. */
    public Builder optPublication(ModelPublication publication) {
      this.publication = publication;
      return this;
    }

    /**
     * A recovery drill, called with the number of the step about to run (it throws to fail the task
     * there), e.g. {@code FaultInjection::maybeFail}; default none.
     */
    public Builder optFaultDrill(LongConsumer faultDrill) {
      this.faultDrill = faultDrill;
      return this;
    }

    /** Benchmark timing of every step; default none. */
    public Builder optStepTimer(StepTimer timer) {
      this.timer = timer;
      return this;
    }

    /** The clock of the images/s window; default {@link System#nanoTime}. */
    public Builder optNanoClock(LongSupplier nanoClock) {
      this.nanoClock = nanoClock;
      return this;
    }

    /**
     * Starts the engine and opens the session (restored when a state was given).
     *
     * @throws NullPointerException naming a missing setting
     */
    public TrainingCore build() throws Exception {
      Objects.requireNonNull(settings, "settings: call setSettings(TrainerSettings.from(conf))");
      Objects.requireNonNull(publication, "publication: pass ModelPublication.NONE for none");
      Objects.requireNonNull(faultDrill, "fault drill: leave it unset for none");
      Objects.requireNonNull(timer, "timer: pass StepTimer.NONE for none");
      Objects.requireNonNull(restoredLedger, "restored ledger ids: pass an empty list for none");
      if (ledger == null) {
        ledger = settings.ledger();
      }
      TrainingSession session;
      try {
        session = settings.openSession(gpu, restored);
      } catch (RuntimeException e) {
        publication.close();
        throw e;
      }
      try {
        return new TrainingCore(this, session);
      } catch (RuntimeException e) {
        try {
          publication.close();
        } finally {
          session.close();
        }
        throw e;
      }
    }
  }
}
