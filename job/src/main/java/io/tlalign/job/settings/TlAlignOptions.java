package io.tlalign.job.settings;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.weights.WeightsExport;
import io.tlalign.schemas.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/**
 * Every option of the training job, in one place. Each can be set in Flink's configuration ({@code
 * tlalign.*} keys) or on the command line of {@code ./tlalign train}.
 */
public final class TlAlignOptions {

  private TlAlignOptions() {}

  // ---- Kafka ----

  public static final ConfigOption<String> BOOTSTRAP_SERVERS =
      key("tlalign.kafka.bootstrap-servers")
          .stringType()
          .noDefaultValue()
          .withDescription("Kafka bootstrap servers, host:port[,host:port...].");

  public static final ConfigOption<String> KAFKA_CONFIG_FILE =
      key("tlalign.kafka.config-file")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "A Kafka client config file (key=value lines, as Kafka tools' --command-config):"
                  + " its properties go to every Kafka client of the job. tlalign.kafka.properties.*"
                  + " keys override it, and the system's own settings (bootstrap servers, group"
                  + " ids, isolation level, transactional ids) override both. Read where the job"
                  + " graph is built; put secrets behind config providers (config.providers=file,"
                  + " ${file:/path:key}), which each client resolves where it runs.");

  /**
   * Not an option itself: {@code tlalign.kafka.properties.<key>=<value>} passes {@code key=value}
   * to every Kafka client (e.g. {@code tlalign.kafka.properties.security.protocol=SASL_SSL}); see
   * {@link KafkaClients}.
   */
  public static final String KAFKA_PROPERTIES_PREFIX = KafkaClients.PREFIX;

  public static final ConfigOption<String> TRAIN_TOPIC =
      key("tlalign.topic.train")
          .stringType()
          .defaultValue(Topics.IMAGES_TRAIN)
          .withDescription("Topic of LabeledImage records to train on.");

  public static final ConfigOption<String> EVAL_TOPIC =
      key("tlalign.topic.eval")
          .stringType()
          .defaultValue(Topics.IMAGES_EVAL)
          .withDescription("Topic of LabeledImage records scored with each published model.");

  public static final ConfigOption<String> DEAD_LETTER_TOPIC =
      key("tlalign.topic.deadletter")
          .stringType()
          .defaultValue(Topics.IMAGES_DEADLETTER)
          .withDescription("Topic for records that cannot be used, as DeadLetter with a reason.");

  public static final ConfigOption<String> METRICS_TOPIC =
      key("tlalign.topic.metrics")
          .stringType()
          .defaultValue(Topics.METRICS)
          .withDescription("Topic for TrainingMetric records.");

  public static final ConfigOption<String> MODELS_TOPIC =
      key("tlalign.topic.models")
          .stringType()
          .defaultValue(Topics.MODELS)
          .withDescription("Topic for ModelRef pointers to published models.");

  public static final ConfigOption<String> GROUP_ID =
      key("tlalign.kafka.group-id")
          .stringType()
          .defaultValue("tlalign-train")
          .withDescription(
              "Consumer group id. Offsets live in Flink checkpoints; the group only shows lag.");

  public static final ConfigOption<Boolean> BOUNDED =
      key("tlalign.kafka.bounded")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Stop at the train topic's end offsets as seen at start (a finite run); otherwise"
                  + " train forever on new records.");

  public static final ConfigOption<String> BOUNDED_END_OFFSETS =
      key("tlalign.kafka.bounded.end-offsets")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "With tlalign.kafka.bounded: the train topic's end offsets as"
                  + " partition:offset,partition:offset. ./tlalign train records them at a run's"
                  + " first start and passes them again on every rerun, so a resumed run stops"
                  + " where the first would have. Unset: the end offsets at start.");

  // ---- Model and training ----

  public static final ConfigOption<String> MODEL =
      key("tlalign.model")
          .stringType()
          .defaultValue("vit-tiny-fm")
          .withDescription("Model preset: vit-tiny-fm, deit-tiny, deit-small or deit-base.");

  public static final ConfigOption<Integer> NUM_CLASSES =
      key("tlalign.num-classes")
          .intType()
          .defaultValue(10)
          .withDescription("K; a label outside [0, K) is dead-lettered.");

  public static final ConfigOption<TargetMode> MIXING =
      key("tlalign.mixing")
          .enumType(TargetMode.class)
          .defaultValue(TargetMode.TLALIGN)
          .withDescription(
              "Target: tlalign (aligned token labels), cutmix (area lambda) or none (no mixing);"
                  + " any case.");

  public static final ConfigOption<Double> CUTMIX_ALPHA =
      key("tlalign.cutmix.alpha")
          .doubleType()
          .defaultValue(1.0)
          .withDescription("lambda ~ Beta(alpha, alpha).");

  public static final ConfigOption<Double> LABEL_SMOOTHING =
      key("tlalign.label-smoothing")
          .doubleType()
          .defaultValue(0.1)
          .withDescription("Label smoothing s in [0, 1).");

  public static final ConfigOption<String> INIT_FROM =
      key("tlalign.init-from")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Local path of weights to start from when no state is restored: safetensors with"
                  + " timm or Hugging Face ViT names, an exported folder, or a model file (.tlas)"
                  + " this system published. Loaded strictly (one error lists missing,"
                  + " unexpected and mismatched names) and adapted as timm does (head for"
                  + " another class count, pos_embed for another grid, 1 vs 3 channels,"
                  + " distillation token). Optimizer moments start at zero, step 0. A restored"
                  + " checkpoint always wins. Unset: seeded random initialisation.");

  public static final ConfigOption<Integer> BATCH_SIZE =
      key("tlalign.batch-size").intType().defaultValue(128).withDescription("Images per step.");

  public static final ConfigOption<Long> SEED =
      key("tlalign.seed")
          .longType()
          .defaultValue(0L)
          .withDescription(
              "Job seed: with a record id or batch index it determines every random draw.");

  public static final ConfigOption<Double> LEARNING_RATE =
      key("tlalign.lr").doubleType().defaultValue(1e-3).withDescription("Peak learning rate.");

  public static final ConfigOption<Long> WARMUP_STEPS =
      key("tlalign.warmup-steps")
          .longType()
          .defaultValue(200L)
          .withDescription("Linear warm-up steps.");

  public static final ConfigOption<Long> TOTAL_STEPS =
      key("tlalign.total-steps")
          .longType()
          .defaultValue(10_000L)
          .withDescription("Length of the cosine schedule; the rate stays at its floor after it.");

  public static final ConfigOption<Boolean> AUGMENT =
      key("tlalign.augment")
          .booleanType()
          .defaultValue(true)
          .withDescription("Random shift and horizontal flip, seeded per record.");

  public static final ConfigOption<List<Double>> SCALE =
      key("tlalign.scale")
          .doubleType()
          .asList()
          .noDefaultValue()
          .withDescription(
              "RandomResizedCrop area fraction range lo;hi (timm's scale, default 0.08;1). Setting"
                  + " it trains with RandomResizedCrop even for a preset that does not by default.");

  public static final ConfigOption<List<Double>> RATIO =
      key("tlalign.ratio")
          .doubleType()
          .asList()
          .noDefaultValue()
          .withDescription("RandomResizedCrop aspect-ratio range lo;hi (default 0.75;1.3333).");

  public static final ConfigOption<Double> HFLIP =
      key("tlalign.hflip")
          .doubleType()
          .defaultValue(0.5)
          .withDescription("Probability of the training transform's horizontal flip.");

  public static final ConfigOption<Double> CROP_PCT =
      key("tlalign.crop-pct")
          .doubleType()
          .noDefaultValue()
          .withDescription(
              "Evaluation crop fraction: resize the shorter side to size / crop-pct, centre-crop"
                  + " size. Default: the preset's data config.");

  public static final ConfigOption<DataConfig.Interpolation> INTERPOLATION =
      key("tlalign.interpolation")
          .enumType(DataConfig.Interpolation.class)
          .noDefaultValue()
          .withDescription("Resize filter. Default: the preset's data config.");

  public static final ConfigOption<List<Double>> MEAN =
      key("tlalign.mean")
          .doubleType()
          .asList()
          .noDefaultValue()
          .withDescription("Per-channel normalisation mean. Default: the preset's data config.");

  public static final ConfigOption<List<Double>> STD =
      key("tlalign.std")
          .doubleType()
          .asList()
          .noDefaultValue()
          .withDescription("Per-channel normalisation std. Default: the preset's data config.");

  public static final ConfigOption<Integer> METRICS_EVERY =
      key("tlalign.metrics.every-steps")
          .intType()
          .defaultValue(10)
          .withDescription("Write a TrainingMetric every this many steps.");

  public static final ConfigOption<Boolean> LEDGER =
      key("tlalign.ledger.enabled")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Keep the id of every trained record in state (for audits and tests; grows with"
                  + " the stream).");

  public static final ConfigOption<Integer> INTRA_OP_THREADS =
      key("tlalign.engine.threads")
          .intType()
          .defaultValue(1)
          .withDescription(
              "PyTorch intra-op threads on CPU; 0 = the number of cores. Fixed, so that results"
                  + " are reproducible. 1 is the default of every command: on 2 idle cores 2"
                  + " threads train 1.4-1.9x faster, but with another process busy on one core"
                  + " OpenMP spin-waiting made them 1.6-4.4x slower than 1 (BENCHMARKS.md); raise"
                  + " it to the cores a task manager has to itself.");

  // ---- Checkpoints and publishing ----

  public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
      key("tlalign.checkpoint.interval")
          .durationType()
          .defaultValue(Duration.ofSeconds(30))
          .withDescription("Exactly-once checkpoint interval.");

  public static final ConfigOption<String> CHECKPOINT_DIR =
      key("tlalign.checkpoint.dir")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Checkpoint storage URI (file:///..., s3://...). Default: the cluster's"
                  + " state.checkpoints.dir, else a folder under java.io.tmpdir (local runs).");

  public static final ConfigOption<Integer> CHECKPOINT_RETAINED =
      key("tlalign.checkpoint.retained")
          .intType()
          .defaultValue(3)
          .withDescription(
              "Completed checkpoints kept per run; they survive a crash or a cancel, so that a"
                  + " rerun of ./tlalign train resumes from the latest. Older ones are deleted.");

  public static final ConfigOption<String> MODEL_STORE =
      key("tlalign.model-store")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "URI of a folder (any Flink FileSystem) for published models; unset = no"
                  + " publishing.");

  public static final ConfigOption<WeightsExport.Names> EXPORT_NAMES =
      key("tlalign.export.names")
          .enumType(WeightsExport.Names.class)
          .noDefaultValue()
          .withDescription(
              "Also write each published model as a standard model folder next to its model file:"
                  + " <model file without .tlas>/model.safetensors and config.json, with timm"
                  + " (timm) or Hugging Face (hf; plus preprocessor_config.json) names, as"
                  + " ./tlalign export writes them; the configs carry the data config the run"
                  + " trained with. Unset: no export.");

  public static final ConfigOption<Integer> MAX_IMAGE_PIXELS =
      key("tlalign.max-image-pixels")
          .intType()
          .defaultValue(io.tlalign.model.data.EncodedImages.DEFAULT_MAX_PIXELS)
          .withDescription("Images with more pixels are dead-lettered as OVERSIZED_IMAGE.");

  public static final ConfigOption<Integer> EVAL_MAX_IMAGES =
      key("tlalign.eval.max-images")
          .intType()
          .defaultValue(10_000)
          .withDescription("The evaluation set: the first this many images of the eval topic.");

  public static final ConfigOption<Integer> DECODE_PARALLELISM =
      key("tlalign.decode.parallelism")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Parallelism of decode, validation and augmentation. The pairing operator restores"
                  + " the Kafka order, so any value gives the same batches.");

  public static final ConfigOption<Boolean> EVAL_ENABLED =
      key("tlalign.eval.enabled")
          .booleanType()
          .defaultValue(true)
          .withDescription(
              "Score the eval topic with every published model (unbounded runs with a model"
                  + " store).");

  // ---- Data-parallel replicas ----

  public static final ConfigOption<Integer> REPLICAS =
      key("tlalign.replicas")
          .intType()
          .defaultValue(1)
          .withDescription(
              "Training replicas P (one per GPU task manager). Batch b goes to replica b mod P;"
                  + " every tlalign.sync.every-steps local steps the replicas exchange parameters,"
                  + " updates or gradients (tlalign.sync.apply)"
                  + " through tlalign.sync.topic. 1 = one trainer, no sync topic.");

  public static final ConfigOption<String> SYNC_TOPIC =
      key("tlalign.sync.topic")
          .stringType()
          .defaultValue("tlalign.sync")
          .withDescription(
              "Topic of the replicas' parameter rounds (written transactionally, read"
                  + " read_committed by the same job). One partition.");

  public static final ConfigOption<Integer> SYNC_EVERY_STEPS =
      key("tlalign.sync.every-steps")
          .intType()
          .defaultValue(10)
          .withDescription("K: each replica publishes its parameters every K local steps.");

  public static final ConfigOption<Integer> SYNC_APPLY_LAG_ROUNDS =
      key("tlalign.sync.apply-lag-rounds")
          .intType()
          .defaultValue(1)
          .withDescription(
              "S: the average of round r replaces the parameters at the boundary of round r+S."
                  + " A round becomes visible when a checkpoint commits, so choose S x K x step"
                  + " time above the checkpoint interval plus a margin, or replicas wait.");

  public static final ConfigOption<Integer> SYNC_CHUNK_BYTES =
      key("tlalign.sync.chunk-bytes")
          .intType()
          .defaultValue(512 << 10)
          .withDescription(
              "Payload bytes per sync message; a model is split into chunks of this size. Keep it"
                  + " below the sync topic's max.message.bytes minus 1 KiB of header.");

  public static final ConfigOption<String> SYNC_APPLY =
      key("tlalign.sync.apply")
          .stringType()
          .defaultValue("replace")
          .withDescription(
              "What a round carries and how its average applies: replace (parameters; they become"
                  + " the average, all replicas identical after each round, but the S x K local"
                  + " steps since the round are dropped), delta (parameters + average - own"
                  + " contribution: keeps those steps, replicas differ by them), updates (the"
                  + " update since the previous round; the consensus takes an outer optimizer step"
                  + " on the averaged update, tlalign.sync.outer-lr and outer-momentum, and each"
                  + " replica swaps its own update for it) or gradients (K = 1, S = 0: every step's"
                  + " gradients are averaged and every replica applies the same AdamW step, as one"
                  + " trainer of batch P x b; one checkpoint per step). The final round replaces"
                  + " the parameters by their average (under gradients they are equal already).");

  public static final ConfigOption<Double> SYNC_OUTER_LR =
      key("tlalign.sync.outer-lr")
          .doubleType()
          .defaultValue(1.0)
          .withDescription(
              "With tlalign.sync.apply=updates: the outer learning rate on the averaged update"
                  + " (1 with momentum 0 = plain averaging of the updates; DiLoCo: 0.7).");

  public static final ConfigOption<Double> SYNC_OUTER_MOMENTUM =
      key("tlalign.sync.outer-momentum")
          .doubleType()
          .defaultValue(0.0)
          .withDescription(
              "With tlalign.sync.apply=updates: the outer optimizer's Nesterov momentum, in [0, 1)"
                  + " (DiLoCo: 0.9). Its buffer is part of every replica's checkpointed state.");

  public static final ConfigOption<String> REPLICAS_UID =
      key("tlalign.replicas.uid")
          .stringType()
          .defaultValue("train")
          .withDescription(
              "The replicas' operator uid. The default, train, is the single trainer's, so a"
                  + " savepoint moves between 1 and P replicas. Checkpoints of replicas from before"
                  + " this option hold their state under train-replicas: set that to restore them"
                  + " (with tlalign.sync.exchange=broadcast).");

  public static final ConfigOption<String> SYNC_EXCHANGE =
      key("tlalign.sync.exchange")
          .stringType()
          .defaultValue("sharded")
          .withDescription(
              "How a round's contributions meet. sharded: the flat parameter vector is cut into P"
                  + " shards; each replica sends shard s of its contribution to replica s (sync"
                  + " topic partition 1 + s), which reduces it and publishes the reduced shard"
                  + " (partition 0) to all: about 2M bytes per replica per round whatever P, and a"
                  + " replica keeps only its shard of unreduced rounds and the reduced shards of"
                  + " unapplied rounds; a round is visible after two checkpoints. broadcast: every"
                  + " replica reads every contribution (one partition; P x M per replica per round,"
                  + " one checkpoint). The sync topic needs 1 + P partitions when sharded.");

  public static final ConfigOption<java.time.Duration> SYNC_STALL_WARN =
      key("tlalign.sync.stall-warn")
          .durationType()
          .defaultValue(java.time.Duration.ofSeconds(60))
          .withDescription(
              "How long a replica waits for a round before it logs a warning naming the replicas"
                  + " (and, sharded, the shard reducers) it still waits for; repeated at each"
                  + " doubling of the wait. Reporting never changes what is applied. Unset: 60 s or"
                  + " four checkpoint intervals, whichever is longer.");

  public static final ConfigOption<Boolean> SYNC_AVERAGE_MOMENTS =
      key("tlalign.sync.average-moments")
          .booleanType()
          .defaultValue(false)
          .withDescription(
              "Also average the AdamW moments (3x the sync traffic). Off: moments stay local.");

  // ---- Recovery drills ----

  public static final ConfigOption<String> FAULT_MARKER_DIR =
      key("tlalign.fault.marker-dir")
          .stringType()
          .noDefaultValue()
          .withDescription(
              "Folder for fault markers: each injected fault fires once per folder, across"
                  + " restarts. Faults are off without it.");

  public static final ConfigOption<Long> FAULT_TRAIN_AT_STEP =
      key("tlalign.fault.train-at-step")
          .longType()
          .defaultValue(-1L)
          .withDescription("Throw once in the training operator before this step (drill).");

  public static final ConfigOption<Long> FAULT_PAIRING_AT_BATCH =
      key("tlalign.fault.pairing-at-batch")
          .longType()
          .defaultValue(-1L)
          .withDescription("Throw once in the pairing operator before this batch (drill).");

  public static final ConfigOption<Integer> FAULT_REPLICA =
      key("tlalign.fault.replica")
          .intType()
          .defaultValue(-1)
          .withDescription(
              "With tlalign.replicas > 1: the replica in which tlalign.fault.train-at-step fires;"
                  + " -1 = the first replica to reach the step.");
}
