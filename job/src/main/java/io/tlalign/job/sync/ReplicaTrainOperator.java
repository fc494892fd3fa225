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
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.LocalGradients;
import io.tlalign.model.train.StepResult;
import io.tlalign.schemas.RoundContribution;
import io.tlalign.schemas.SyncPhase;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * <p>Every K local steps the replica publishes its contribution as round q = step / K (side output
 * {@link #SYNC}, written transactionally): its parameters, or under {@link SyncRule#UPDATES} its
 * update since its previous contribution. Right after publishing round q it applies round q - S by
 * its {@link SyncRule} (see {@link Consensus}), summed in replica order; if that round is not
 * complete yet, it buffers its input until it is. Where a round applies depends only on step
 * counts, never on when messages arrive, so runs are reproducible bit for bit. Optimizer moments
 * stay local unless {@link SyncSettings#averageMoments()}.
 *
 * <p>Under {@link SyncRule#GRADIENTS} (K = 1, S = 0) the replica's q-th batch is round q: it runs
 * the forward and backward passes, publishes the gradients, waits for the round, and applies the
 * batch-size-weighted average of all replicas' gradients with the same clipping and AdamW step as
 * every other replica, so P replicas of batch b train as one trainer of batch P x b on the same
 * samples. A replica whose input ends keeps applying the rounds the others still publish, so all
 * end equal. A round becomes visible only when the checkpoint after it commits, so this rule takes
 * one checkpoint per step.
 *
 * <p>Every replica reports its own metrics (its loss and images/s, its replica index, the last
 * round it applied and that round's latency); replica 0 publishes the consensus, the average of the
 * last applied round, with that round in the model's {@code ModelRef}.
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

  /**
   * Benchmark figure of the attempt that finished (not restored): per replica, the sync bytes it
   * wrote and was delivered and the rounds it applied, as {@code replica=R bytes_out=N bytes_in=M
   * rounds=Q} lines.
   */
  public static final String TRAFFIC_ACCUMULATOR = "tlalign-sync-traffic";

  private static final long NONE = -1;

  public static final ListStateDescriptor<byte[]> STATE_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-replica-state-chunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  public static final ListStateDescriptor<String> LEDGER =
      new ListStateDescriptor<>("tlalign-replica-trained-ids", String.class);
  public static final ListStateDescriptor<String> SYNC_LEDGER =
      new ListStateDescriptor<>("tlalign-replica-sync-ledger", String.class);
  public static final ListStateDescriptor<TrainingBatch> BUFFER =
      new ListStateDescriptor<>(
          "tlalign-replica-buffered-batches", TypeInformation.of(TrainingBatch.class));
  public static final ListStateDescriptor<byte[]> SYNC_MESSAGES =
      new ListStateDescriptor<>(
          "tlalign-replica-sync-messages", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  public static final ListStateDescriptor<byte[]> CONSENSUS_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-replica-consensus-chunks",
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  public static final ListStateDescriptor<byte[]> ANCHOR_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-replica-anchor-chunks", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
  public static final ListStateDescriptor<byte[]> OUTER_MOMENTUM_CHUNKS =
      new ListStateDescriptor<>(
          "tlalign-replica-outer-momentum-chunks",
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Sharded: the scatter messages of rounds this replica has not reduced yet (its shard). */
  public static final ListStateDescriptor<byte[]> SCATTER_MESSAGES =
      new ListStateDescriptor<>(
          "tlalign-replica-scatter-messages",
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Sharded: the reducer's floor and whether it reduced the final round (0 or 1). */
  public static final ListStateDescriptor<Long> REDUCER_POSITION =
      new ListStateDescriptor<>("tlalign-replica-reducer-position", Types.LONG);

  /**
   * Sharded, under delta and updates: this replica's own contributions to rounds not yet applied,
   * which it needs to apply them and no longer reads back from the topic.
   */
  public static final ListStateDescriptor<byte[]> OWN_CONTRIBUTIONS =
      new ListStateDescriptor<>(
          "tlalign-replica-own-contributions",
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  private static final String META_OWN_ROUND = "tlalign.sync.own-round";

  /**
   * Where every replica starts after a restore under another replica count: written by replica 0
   * only (union state, so every new replica receives it): the consensus parameters with replica 0's
   * moments, at the consensus step, with the round, epoch and replica count in its metadata.
   */
  public static final ListStateDescriptor<byte[]> RESCALE_POINT =
      new ListStateDescriptor<>(
          "tlalign-replica-rescale-point", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** The outer optimizer's momentum for the rescale point (updates with momentum), replica 0. */
  public static final ListStateDescriptor<byte[]> RESCALE_MOMENTUM =
      new ListStateDescriptor<>(
          "tlalign-replica-rescale-momentum",
          PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

  /** Under gradients: the batch of the pending step, retrained after a rescale. */
  public static final ListStateDescriptor<TrainingBatch> PENDING_BATCH =
      new ListStateDescriptor<>(
          "tlalign-replica-pending-batch", TypeInformation.of(TrainingBatch.class));

  public static final ListStateDescriptor<PendingStep> PENDING =
      new ListStateDescriptor<>(
          "tlalign-replica-pending-step", TypeInformation.of(PendingStep.class));

  /** The byte-valued split states of a replica, for a single trainer that takes over. */
  static final List<ListStateDescriptor<byte[]>> BYTE_STATES =
      List.of(
          STATE_CHUNKS,
          SYNC_MESSAGES,
          CONSENSUS_CHUNKS,
          ANCHOR_CHUNKS,
          OUTER_MOMENTUM_CHUNKS,
          SCATTER_MESSAGES,
          OWN_CONTRIBUTIONS);

  /** A POJO type (a Java record, serialized by field name), never a Kryo generic type. */
  static final TypeInformation<ReplicaProgress> PROGRESS_TYPE =
      TypeInformation.of(ReplicaProgress.class);

  public static final ListStateDescriptor<ReplicaProgress> PROGRESS =
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
  private transient List<ListState<byte[]>> consensusStates;
  private transient ListState<PendingStep> pendingState;
  private transient ListState<byte[]> scatterState;
  private transient ListState<Long> reducerPositionState;
  private transient ListState<byte[]> ownContributionsState;

  private transient int replica;
  private transient TrainingState restored;
  private transient TrainingCore core;

  /** The rounds this replica applies: whole contributions, or sharded the reduced shards. */
  private transient RoundAssembler assembler;

  /** Sharded: this replica's part as the reducer of shard {@code replica}; null for broadcast. */
  private transient ShardReducer reducer;

  private transient TreeMap<Long, TrainingState> ownContributions;

  /** The model's parameters at open: the names and shapes reduced shards are joined into. */
  private transient List<NamedTensor> parameterLayout;

  private transient StallWatch stallWatch;
  private transient String lastStallReport;
  private transient ArrayDeque<TrainingBatch> buffer;
  private transient List<String> restoredLedger;
  private transient List<String> syncLedger;
  private transient long awaiting;
  private transient boolean inputEnded;
  private transient boolean finalPublished;
  private transient boolean finalApplied;
  private transient Consensus consensus;
  private transient List<TrainingState> restoredConsensus;
  private transient PendingStep pending;
  private transient TrainingBatch pendingBatch;
  private transient int epoch;
  private transient TrainingState rescalePoint;
  private transient TrainingState rescaleMomentum;
  private transient ListState<byte[]> rescalePointState;
  private transient ListState<byte[]> rescaleMomentumState;
  private transient ListState<TrainingBatch> pendingBatchState;
  private transient ListState<byte[]> singleTrainerState;
  private transient ListState<String> singleTrainerLedger;
  private transient ListState<TrainingBatch> singleTrainerHandedOver;
  private transient Double lastRoundLatencyMs;

  private transient ListAccumulator<String> syncLedgerAccumulator;
  private transient ListAccumulator<Long> roundLatency;
  private transient ListAccumulator<String> traffic;
  private transient long bytesOut;
  private transient long bytesIn;
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
    consensusStates =
        List.of(
            store.getListState(CONSENSUS_CHUNKS),
            store.getListState(ANCHOR_CHUNKS),
            store.getListState(OUTER_MOMENTUM_CHUNKS));
    pendingState = store.getListState(PENDING);
    scatterState = store.getListState(SCATTER_MESSAGES);
    reducerPositionState = store.getListState(REDUCER_POSITION);
    ownContributionsState = store.getListState(OWN_CONTRIBUTIONS);
    rescalePointState = store.getUnionListState(RESCALE_POINT);
    rescaleMomentumState = store.getUnionListState(RESCALE_MOMENTUM);
    pendingBatchState = store.getListState(PENDING_BATCH);
    // A single trainer's state, under the same operator uid, when the job ran with one replica.
    singleTrainerState = store.getUnionListState(TrainFunction.TRAINING_STATE);
    singleTrainerLedger = store.getListState(TrainFunction.LEDGER);
    singleTrainerHandedOver = store.getListState(TrainFunction.HANDED_OVER);
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
    ownContributions = new TreeMap<>();
    buffer = new ArrayDeque<>();
    restoredLedger = new ArrayList<>();
    syncLedger = new ArrayList<>();
    restoredConsensus = new ArrayList<>();
    awaiting = NONE;
    if (context.isRestored()) {
      restore();
    } else {
      openExchange(0);
    }
  }

  /** The assemblers of this epoch's rounds: reduced shards (and this replica's shard), or whole. */
  private void openExchange(int epochNumber) {
    epoch = epochNumber;
    if (sync.sharded()) {
      assembler = new RoundAssembler(sync.runId(), epoch, sync.replicas(), SyncPhase.GATHER, -1);
      reducer = new ShardReducer(sync, settings.model().name(), epoch, replica);
    } else {
      assembler =
          new RoundAssembler(sync.runId(), epoch, sync.replicas(), SyncPhase.CONTRIBUTION, -1);
    }
  }

  private void restore() throws Exception {
    RestoreSubject subject = RestoreSubject.replica(replica);
    List<ReplicaProgress> entries = restoredProgress();
    if (entries.size() != 1
        || entries.get(0).replicas() != sync.replicas()
        || entries.get(0).replica() != replica) {
      restoreRescaled(entries, subject);
      return;
    }
    ReplicaProgress progress = entries.get(0);
    List<byte[]> chunks = new ArrayList<>();
    chunksState.get().forEach(chunks::add);
    if (chunks.isEmpty()) {
      throw CheckpointedState.missing(subject);
    }
    for (ListState<byte[]> part : consensusStates) {
      List<byte[]> partChunks = new ArrayList<>();
      part.get().forEach(partChunks::add);
      if (!partChunks.isEmpty()) {
        restoredConsensus.add(
            CheckpointedState.decode(partChunks, settings.model().name(), subject));
      }
    }
    if (!restoredConsensus.isEmpty()
        && Consensus.exchangeOf(restoredConsensus.get(0)) != sync.exchange()) {
      // The rounds in flight were exchanged the other way: start a new epoch from the consensus.
      restoredConsensus.clear();
      restoreRescaled(entries, subject);
      return;
    }
    openExchange(restoredConsensus.isEmpty() ? 0 : Consensus.epochOf(restoredConsensus.get(0)));
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
    for (PendingStep p : pendingState.get()) {
      pending = p;
    }
    for (TrainingBatch b : pendingBatchState.get()) {
      pendingBatch = b;
    }
    if (reducer != null) {
      List<Long> position = new ArrayList<>();
      reducerPositionState.get().forEach(position::add);
      if (position.size() == 2) {
        reducer.restore(position.get(0), position.get(1) == 1);
      }
      scatterState.get().forEach(reducer::add);
      reducer.drainReports(); // reported when first received
      for (byte[] bytes : ownContributionsState.get()) {
        TrainingState own = TrainingStateFormat.fromBytes(bytes);
        ownContributions.put(Long.parseLong(own.metadata().get(META_OWN_ROUND)), own);
      }
    }
  }

  /**
   * This replica's progress from the checkpoint: the named value, or else the seven longs a
   * checkpoint of the previous version holds; null when there is neither.
   */
  private List<ReplicaProgress> restoredProgress() throws Exception {
    List<ReplicaProgress> named = new ArrayList<>();
    progressState.get().forEach(named::add);
    if (!named.isEmpty()) {
      return named;
    }
    List<Long> legacy = new ArrayList<>();
    legacyProgressState.get().forEach(legacy::add);
    // A checkpoint of the previous version has no rescale point: it restores at its own count.
    return legacy.isEmpty() ? List.of() : List.of(ReplicaProgress.fromLegacyLongs(legacy));
  }

  /**
   * A restore under another replica count: every replica starts from the rescale point, the
   * consensus that replica 0 wrote into every checkpoint (the average of the last applied round,
   * with replica 0's AdamW moments and the outer momentum), in a new epoch whose rounds never mix
   * with the old ones. The batches the old replicas held (buffered, or under gradients waiting for
   * their round) are handed to the new replicas by Flink's redistribution, each to exactly one, and
   * trained there; the ledgers travel the same way, so every record stays trained once. What the
   * old replicas trained since the consensus round is not in it: at most (S + 1) x K local steps
   * each, as a replace round drops them.
   */
  private void restoreRescaled(List<ReplicaProgress> entries, RestoreSubject subject)
      throws Exception {
    List<byte[]> point = new ArrayList<>();
    rescalePointState.get().forEach(point::add);
    boolean fromSingleTrainer = false;
    if (point.isEmpty() && entries.isEmpty()) {
      singleTrainerState.get().forEach(point::add);
      fromSingleTrainer = !point.isEmpty();
    }
    int oldReplicas = fromSingleTrainer ? 1 : entries.isEmpty() ? -1 : entries.get(0).replicas();
    if (point.isEmpty() && entries.isEmpty()) {
      throw CheckpointedState.missing(subject);
    }
    if (point.isEmpty() && entries.size() == 1) {
      entries.get(0).requireReplica(replica, sync.replicas()); // names both, and the fix
    }
    if (point.isEmpty()) {
      throw new IllegalStateException(
          "replica "
              + replica
              + " of "
              + sync.replicas()
              + " was restored from a checkpoint of "
              + (oldReplicas < 0 ? "another replica count" : oldReplicas + " replicas")
              + " that holds no rescale point (written before rescaling existed, or without"
              + " replicas); restore it with the tlalign.replicas and tlalign.sync.exchange it was"
              + " taken with (checkpoints from before sharding: broadcast), or start fresh");
    }
    for (ReplicaProgress e : entries) {
      // Its input may have ended with batches still buffered (they are handed over); once its
      // final parameters are out, the old replicas are finishing their last average.
      if (e.finalPublished()) {
        throw new IllegalStateException(
            "replica "
                + e.replica()
                + " of "
                + e.replicas()
                + " had published its final parameters when the checkpoint was taken: the run"
                + " was ending; restore it with tlalign.replicas="
                + e.replicas()
                + " to let it finish");
      }
    }
    rescalePoint = CheckpointedState.decode(point, settings.model().name(), subject);
    if (fromSingleTrainer) {
      rescalePoint = Consensus.pointOfSingleTrainer(rescalePoint, sync);
      singleTrainerLedger.get().forEach(restoredLedger::add);
      singleTrainerHandedOver.get().forEach(buffer::add);
      singleTrainerState.clear();
      singleTrainerLedger.clear();
      singleTrainerHandedOver.clear();
    }
    List<byte[]> momentum = new ArrayList<>();
    rescaleMomentumState.get().forEach(momentum::add);
    rescaleMomentum =
        momentum.isEmpty()
            ? null
            : CheckpointedState.decode(momentum, settings.model().name(), subject);
    openExchange(Consensus.epochOf(rescalePoint) + 1);
    long round = Consensus.roundOf(rescalePoint);
    assembler.discardUpTo(round);
    if (reducer != null) {
      reducer.restore(round, false);
    }
    restored = rescalePoint;
    ledgerState.get().forEach(restoredLedger::add);
    syncLedgerState.get().forEach(syncLedger::add);
    List<TrainingBatch> batches = new ArrayList<>(buffer);
    buffer.clear();
    bufferState.get().forEach(batches::add);
    pendingBatchState.get().forEach(batches::add); // trained under no round yet: train again here
    batches.sort(java.util.Comparator.comparingLong(b -> b.batchIndex));
    buffer.addAll(batches);
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
    parameterLayout = core.captureState().parameters();
    if (rescalePoint != null) {
      consensus = Consensus.rescaled(sync, rescalePoint, rescaleMomentum, epoch);
      String line =
          "rescaled from "
              + rescalePoint.metadata().get(Consensus.META_REPLICAS)
              + " replicas (epoch "
              + (epoch - 1)
              + ", round "
              + consensus.round()
              + ", step "
              + rescalePoint.step()
              + ") to "
              + sync.replicas()
              + " from the consensus, AdamW moments of replica 0; epoch "
              + epoch
              + " begins, "
              + buffer.size()
              + " batches handed to this replica";
      LOG.info("replica {}: {}", replica, line);
      syncLedger.add(
          "replica="
              + replica
              + " round=rescale "
              + line.replace(' ', '_')
              + " params="
              + ParameterDigest.of(rescalePoint.parameters()));
      rescalePoint = null;
      rescaleMomentum = null;
    } else if (!restoredConsensus.isEmpty()) {
      consensus = Consensus.fromStates(sync, restoredConsensus);
    } else if (restored != null) {
      consensus = Consensus.unknown(sync, core.captureState());
    } else {
      consensus = Consensus.start(sync, core.captureState());
    }
    restoredConsensus = null;
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
    traffic = new ListAccumulator<>();
    ctx.addAccumulator(TRAFFIC_ACCUMULATOR, traffic);
    publishedAt = new HashMap<>();
    var metrics = getMetricGroup();
    rejectedRounds = metrics.counter("rejectedSyncRounds");
    metrics.gauge("loss", core::lastLoss);
    metrics.gauge("imagesPerSecond", core::imagesPerSecond);
    metrics.gauge("step", core::stepCount);
    metrics.gauge("bufferedBatches", () -> buffer.size());
    metrics.gauge("awaitedRound", () -> awaiting);
    stallWatch = new StallWatch(sync.stallWarnMs());
    metrics.gauge(
        "awaitedRoundAgeMs",
        () -> stallWatch.ageMs(getProcessingTimeService().getCurrentProcessingTime()));
    metrics.gauge("stalledReplicas", () -> stallWatch.stalledReplicas());
    if (awaiting != NONE) {
      waitingFor(awaiting); // restored while waiting: a stall is reported even if nothing arrives
    }
  }

  @Override
  public void processElement1(StreamRecord<TrainingBatch> element) {
    buffer.add(element.getValue());
    advance();
  }

  @Override
  public void processElement2(StreamRecord<byte[]> element) {
    byte[] message = element.getValue();
    bytesIn += message.length;
    // Decoded (and its CRC checked) once for both assemblers.
    SyncChunk chunk;
    CorruptSyncDataException failure = null;
    try {
      chunk = SyncChunk.decode(message);
    } catch (CorruptSyncDataException e) {
      chunk = e.chunk();
      failure = e;
    }
    assembler.add(message, chunk, failure);
    List<String> reports = new ArrayList<>(assembler.drainReports());
    if (reducer != null && chunk != null) {
      reducer.add(message, chunk, failure);
      reports.addAll(reducer.drainReports());
      for (ShardReducer.Reduced r : reducer.reduceReady()) {
        publishReduced(r);
      }
    }
    for (String report : reports) {
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
              long nanos = System.nanoTime() - e.getValue();
              roundLatency.add(nanos / 1_000_000);
              lastRoundLatencyMs = nanos / 1e6;
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
        waitingFor(awaiting);
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
      if (sync.rule() == SyncRule.GRADIENTS && !applyTrailingGradientRounds()) {
        waitingFor(consensus.round() + 1);
        return;
      }
      resolveFinal();
      if (!finalApplied) {
        waitingFor(SyncChunk.FINAL_ROUND);
        return;
      }
    }
    stallWatch.resumed();
  }

  /**
   * Notes that this replica waits for {@code round}, and from the stall warning on reports who it
   * waits for (a timer checks again, so a wait with no message arriving is reported too).
   */
  private void waitingFor(long round) {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (stallWatch.waiting(round, now)) {
      armStallCheck(now);
    }
  }

  private void armStallCheck(long now) {
    getProcessingTimeService().registerTimer(now + stallWatch.nextCheckMs(now), t -> checkStall());
  }

  private void checkStall() {
    long now = getProcessingTimeService().getCurrentProcessingTime();
    if (!stallWatch.active()) {
      return;
    }
    if (stallWatch.due(now)) {
      long round = stallWatch.round();
      lastStallReport =
          stallWatch.report(
              replica,
              round,
              reducer == null ? "replicas" : "shard reducers",
              missingFor(round),
              ownShardReport(),
              now);
      LOG.warn(lastStallReport);
    }
    armStallCheck(now);
  }

  /** The replicas (broadcast) or shard reducers (sharded) whose part of the round is missing. */
  private List<Integer> missingFor(long round) {
    List<Integer> out = new ArrayList<>();
    for (int j = 0; j < sync.replicas(); j++) {
      if (assembler.payload(round, j) == null) {
        out.add(j);
      }
    }
    return out;
  }

  /** Sharded: what this replica's own reducer still waits for, or null. */
  private String ownShardReport() {
    if (reducer == null) {
      return null;
    }
    Long q = reducer.awaitedRound();
    if (q == null) {
      return null;
    }
    return "its own shard "
        + replica
        + " still lacks "
        + (q == SyncChunk.FINAL_ROUND ? "the final round" : "round " + q)
        + " from replicas "
        + reducer.missing(q);
  }

  private void train(TrainingBatch batch) {
    if (sync.rule() == SyncRule.GRADIENTS) {
      long round = consensus.round() + 1;
      LocalGradients g = core.gradients(batch);
      publishPayload(round, round, Contribution.gradientsOf(settings.model().name(), round, g));
      pending = PendingStep.of(round, g, batch.ids);
      pendingBatch = batch;
      awaiting = round;
      return;
    }
    StepOutcome outcome = core.step(batch);
    StepResult r = outcome.result();
    report(outcome);
    if (!r.refused() && r.step() % sync.everySteps() == 0) {
      long round = r.step() / sync.everySteps();
      publish(round);
      long due = round - sync.lagRounds();
      if (due > assembler.floor()) { // rounds up to the floor are settled (or of a past epoch)
        awaiting = due;
      }
    }
  }

  /** Every replica reports its own steps, marked with its index, round and round latency. */
  private void report(StepOutcome outcome) {
    if (outcome.metric() == null) {
      return;
    }
    TrainingMetric m =
        TrainingMetric.newBuilder(outcome.metric())
            .setReplica(replica)
            .setReplicas(sync.replicas())
            .setRound(consensus.round())
            .setRoundLatencyMs(lastRoundLatencyMs)
            .build();
    output.collect(new StreamRecord<>(m));
  }

  private void publish(long round) {
    TrainingState state = core.captureState();
    boolean last = round == SyncChunk.FINAL_ROUND;
    // Under gradients the final message's step is the number of rounds this replica contributed.
    long step = sync.rule() == SyncRule.GRADIENTS ? consensus.round() : state.step();
    TrainingState payload = consensus.contribution(state, last, sync.averageMoments());
    if (reducer != null
        && !last
        && (sync.rule() == SyncRule.DELTA || sync.rule() == SyncRule.UPDATES)) {
      ownContributions.put(round, payload);
    }
    publishPayload(round, step, payload);
  }

  /**
   * Publishes this replica's contribution to a round: whole (broadcast), or cut into one shard per
   * replica, shard s for replica s to reduce (sharded).
   */
  private void publishPayload(long round, long step, TrainingState payload) {
    if (reducer == null) {
      emit(
          SyncChunk.address(sync.runId(), epoch, round, step, replica, sync.replicas()).build(),
          payload.toBytes());
    } else {
      ShardLayout layout = ShardLayout.of(payload, sync.replicas());
      for (int s = 0; s < sync.replicas(); s++) {
        emit(
            SyncChunk.address(sync.runId(), epoch, round, step, replica, sync.replicas())
                .setPhase(SyncPhase.SCATTER)
                .setShard(s)
                .setShards(sync.replicas())
                .setElementOffset(layout.start(s))
                .setElementCount(layout.count(s))
                .build(),
            layout.shard(payload, s).toBytes());
      }
    }
    publishedAt.put(round, System.nanoTime());
  }

  /** Publishes this replica's reduced shard of a round, for every replica to gather. */
  private void publishReduced(ShardReducer.Reduced r) {
    float[] data = ShardLayout.data(r.payload());
    long elements = 0;
    for (NamedTensor t : parameterLayout) {
      elements += t.data().length;
    }
    ShardLayout layout =
        new ShardLayout(elements * (sync.averageMoments() ? 3 : 1), sync.replicas());
    emit(
        SyncChunk.address(sync.runId(), epoch, r.round(), r.step(), replica, sync.replicas())
            .setPhase(SyncPhase.GATHER)
            .setShard(replica)
            .setShards(sync.replicas())
            .setElementOffset(layout.start(replica))
            .setElementCount(data == null ? 0 : data.length)
            .build(),
        r.payload().toBytes());
  }

  private void emit(RoundContribution address, byte[] payload) {
    for (byte[] message : Contribution.messages(address, payload, sync.chunkBytes())) {
      bytesOut += message.length;
      output.collect(SYNC, new StreamRecord<>(message));
    }
  }

  /** Applies or skips the awaited round; false while it can still arrive. */
  private boolean resolveAwaited() {
    long round = awaiting;
    if (sync.rule() == SyncRule.GRADIENTS) {
      if (!resolveGradientRound(round, pending)) {
        return false;
      }
      pending = null;
      pendingBatch = null;
    } else {
      switch (assembler.status(round)) {
        case COMPLETE -> apply(round);
        case REJECTED -> note(round, "skipped: " + assembler.rejection(round));
        case PENDING -> {
          if (reducer != null || !abandoned(round)) {
            return false; // sharded: the reducers decide and publish a skip
          }
          note(round, "skipped: a replica's input ended before this round");
        }
      }
    }
    assembler.discardUpTo(round);
    ownContributions.headMap(round, true).clear();
    awaiting = NONE;
    return true;
  }

  /**
   * Applies gradient round {@code round} with this replica's pending step ({@code own}, or null for
   * a round of the others after this replica's input ended): the weighted average of the
   * contributions of every replica that reaches the round, or a refusal when the round is rejected,
   * a contribution does not decode or a replica's loss was not finite. False while a contribution
   * can still arrive.
   */
  private boolean resolveGradientRound(long round, PendingStep own) {
    if (reducer != null) {
      return resolveGatheredGradientRound(round, own);
    }
    List<TrainingState> present = new ArrayList<>();
    String refusal = null;
    if (assembler.status(round) == RoundAssembler.Status.REJECTED) {
      refusal = "round " + round + " rejected: " + assembler.rejection(round);
    } else {
      for (int j = 0; j < sync.replicas(); j++) {
        byte[] payload = assembler.payload(round, j);
        if (payload == null) {
          Long contributed = assembler.finalStep(j);
          if (contributed == null || contributed >= round) {
            return false; // replica j reaches this round and has not sent it whole yet
          }
          continue; // replica j's input ended before this round
        }
        try {
          TrainingState c = TrainingStateFormat.fromBytes(payload);
          if (PayloadKind.of(c) != PayloadKind.GRADIENTS) {
            refusal = "replica " + j + " sent " + PayloadKind.of(c).label() + ", not gradients";
          }
          present.add(c);
        } catch (CorruptTrainingStateException | IllegalArgumentException e) {
          refusal = "the contribution of replica " + j + " does not decode: " + e.getMessage();
        }
      }
    }
    RoundAverage average = refusal != null ? RoundAverage.refused(refusal) : null;
    if (average == null) {
      List<NamedTensor> averaged = ReplicaAverage.gradients(present);
      average =
          averaged == null
              ? RoundAverage.refused("a replica's loss in round " + round + " was not finite")
              : new RoundAverage(
                  PayloadKind.GRADIENTS,
                  round,
                  averaged,
                  null,
                  ReplicaAverage.totalBatch(present),
                  null);
    }
    applyGradientRound(round, own, average);
    return true;
  }

  /** {@link #resolveGradientRound} from the reducers' shards of the mean gradient. */
  private boolean resolveGatheredGradientRound(long round, PendingStep own) {
    RoundAverage average;
    switch (assembler.status(round)) {
      case PENDING -> {
        return false;
      }
      case REJECTED ->
          average =
              RoundAverage.refused("round " + round + " rejected: " + assembler.rejection(round));
      default -> average = gathered(round);
    }
    if (average.applies() && average.kind() != PayloadKind.GRADIENTS) {
      average =
          RoundAverage.refused("the reducers sent " + average.kind().label() + ", not gradients");
    }
    applyGradientRound(round, own, average);
    return true;
  }

  /**
   * Applies a gradient round, however its mean was found: this replica's pending step with it, or
   * for a round of the others after this replica's input ended the same update with nothing of its
   * own to report or list; a refused round is skipped alike by every replica.
   */
  private void applyGradientRound(long round, PendingStep own, RoundAverage average) {
    List<NamedTensor> averaged = average.applies() ? average.values() : null;
    consensus.stepped(round);
    if (own != null) {
      report(core.applyGradients(own.local(), own.ids(), averaged, average.refusal()));
    } else if (averaged != null) {
      core.applyGradients(
          new LocalGradients(
              -1, average.batchSize(), Double.NaN, Double.NaN, Double.NaN, null, List.of()),
          new String[0],
          averaged,
          null);
    }
    note(round, average.applies() ? "step=" + core.stepCount() : "skipped: " + average.refusal());
  }

  /** The mean of a complete gathered round, joined from the reducers' shards. */
  private RoundAverage gathered(long round) {
    List<TrainingState> shards = new ArrayList<>(sync.replicas());
    for (byte[] payload : assembler.payloads(round)) {
      try {
        shards.add(TrainingStateFormat.fromBytes(payload));
      } catch (CorruptTrainingStateException e) {
        return RoundAverage.refused("a reduced shard does not decode: " + e.getMessage());
      }
    }
    return RoundAverage.ofShards(shards, parameterLayout);
  }

  /**
   * Under gradients, after this replica's input ended: applies the rounds the other replicas still
   * contribute, up to the last one any of them reaches. True once all are applied.
   */
  private boolean applyTrailingGradientRounds() {
    while (true) {
      long last = 0;
      for (int j = 0; j < sync.replicas(); j++) {
        Long contributed = reducer != null ? reducer.finalStep(j) : assembler.finalStep(j);
        if (contributed == null) {
          // Replica j has not ended: its next round may be pending; apply what is whole.
          last = Long.MAX_VALUE;
          break;
        }
        last = Math.max(last, contributed);
      }
      long round = consensus.round() + 1;
      if (round > last) {
        return true;
      }
      if (!resolveGradientRound(round, null)) {
        return false;
      }
      assembler.discardUpTo(round);
    }
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
      case COMPLETE -> {
        // Under gradients every replica has applied every round by now and holds the same
        // parameters; the final messages only said where each replica's input ended (a replica
        // that ended first published its parameters before the others' last rounds).
        if (sync.rule() != SyncRule.GRADIENTS) {
          apply(SyncChunk.FINAL_ROUND);
        }
      }
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
    if (reducer != null) {
      applyGathered(round);
      return;
    }
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
    PayloadKind expected =
        round == SyncChunk.FINAL_ROUND ? PayloadKind.PARAMETERS : sync.rule().payload();
    for (int j = 0; j < contributions.size(); j++) {
      PayloadKind kind;
      try {
        kind = PayloadKind.of(contributions.get(j));
      } catch (IllegalArgumentException e) {
        note(round, "skipped: replica " + j + ": " + e.getMessage());
        return;
      }
      if (kind != expected) {
        note(
            round,
            "skipped: replica "
                + j
                + " sent "
                + kind.label()
                + " where "
                + sync.rule().optionValue()
                + " rounds carry "
                + expected.label());
        return;
      }
    }
    TrainingState current = core.captureState();
    var params =
        consensus.apply(round, round == SyncChunk.FINAL_ROUND, current, contributions, replica);
    OptimizerState moments =
        sync.averageMoments()
            ? ReplicaAverage.moments(contributions, current.optimizerStepCount())
            : null;
    core.replaceState(
        current.withParameters(params, moments != null ? moments : current.optimizer()));
    if (round != SyncChunk.FINAL_ROUND) {
      noteHeld(round);
    }
  }

  /** {@link #apply} from the reducers' shards of the round's mean. */
  private void applyGathered(long round) {
    boolean last = round == SyncChunk.FINAL_ROUND;
    RoundAverage average = gathered(round);
    PayloadKind expected = last ? PayloadKind.PARAMETERS : sync.rule().payload();
    if (average.applies() && average.kind() != expected) {
      average =
          RoundAverage.refused(
              "the reducers sent "
                  + average.kind().label()
                  + " where "
                  + sync.rule().optionValue()
                  + " rounds carry "
                  + expected.label());
    }
    TrainingState own = last ? null : ownContributions.get(round);
    boolean needsOwn = !last && sync.rule() != SyncRule.REPLACE;
    if (average.applies() && needsOwn && own == null) {
      average = RoundAverage.refused("this replica's own contribution to the round is not held");
    }
    if (!average.applies()) {
      note(round, "skipped: " + average.refusal());
      return;
    }
    TrainingState current = core.captureState();
    var params =
        consensus.apply(
            round,
            last,
            current,
            average.values(),
            own == null ? null : own.parameters(),
            average.step());
    OptimizerState moments =
        average.moments() == null
            ? null
            : new OptimizerState(
                current.optimizerStepCount(),
                average.moments().firstMoments(),
                average.moments().secondMoments());
    core.replaceState(
        current.withParameters(params, moments != null ? moments : current.optimizer()));
    if (!last) {
      noteHeld(round);
    }
  }

  /** Notes the digests of the state the session holds after applying {@code round}. */
  private void noteHeld(long round) {
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
    chunksState.update(core.snapshot(context.getCheckpointId(), consensus::published));
    List<TrainingState> parts = consensus.toStates(settings.model().name());
    for (int i = 0; i < consensusStates.size(); i++) {
      consensusStates
          .get(i)
          .update(i < parts.size() ? CheckpointedState.encode(parts.get(i)) : List.of());
    }
    pendingState.update(pending == null ? List.of() : List.of(pending));
    pendingBatchState.update(pendingBatch == null ? List.of() : List.of(pendingBatch));
    if (replica == 0) {
      TrainingState point = consensus.restartPoint(core.captureState(), sync.replicas(), epoch);
      rescalePointState.update(CheckpointedState.encode(point));
      TrainingState momentum = consensus.momentumPart(settings.model().name(), epoch);
      rescaleMomentumState.update(
          momentum == null ? List.of() : CheckpointedState.encode(momentum));
    } else {
      rescalePointState.clear();
      rescaleMomentumState.clear();
    }
    ledgerState.update(core.ledger().ids());
    syncLedgerState.update(syncLedger);
    bufferState.update(new ArrayList<>(buffer));
    syncMessagesState.update(assembler.retained());
    progressState.update(List.of(progress()));
    legacyProgressState.clear();
    if (reducer != null) {
      scatterState.update(reducer.retained());
      reducerPositionState.update(List.of(reducer.floor(), reducer.finalReduced() ? 1L : 0L));
      List<byte[]> own = new ArrayList<>();
      ownContributions.forEach(
          (round, c) ->
              own.add(
                  TrainingState.builder()
                      .setPreset(c.preset())
                      .setStep(c.step())
                      .setParameters(c.parameters())
                      .optOptimizer(c.optimizer())
                      .optMetadata(c.metadata())
                      .optMetadata(META_OWN_ROUND, Long.toString(round))
                      .build()
                      .toBytes()));
      ownContributionsState.update(own);
    }
  }

  @Override
  public void finish() throws Exception {
    if (traffic == null || consensus == null) { // never opened: nothing to report
      super.finish();
      return;
    }
    traffic.add(
        "replica="
            + replica
            + " bytes_out="
            + bytesOut
            + " bytes_in="
            + bytesIn
            + " rounds="
            + consensus.round());
    super.finish();
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

  /** For tests: the last stall warning logged, or null. */
  String lastStallReport() {
    return lastStallReport;
  }

  /** For tests: the ids of the records this replica trained (restored ones included). */
  List<String> trainedIds() {
    return core.ledger().ids();
  }

  /** For tests: the sync ledger's lines so far. */
  List<String> syncLedger() {
    return List.copyOf(syncLedger);
  }

  /** For tests: the state the session holds now. */
  TrainingState currentState() {
    return core.captureState();
  }
}
