package io.tlalign.job;

import io.tlalign.alignment.PairingMode;
import io.tlalign.job.kafka.ExactlyOnceKafkaSink;
import io.tlalign.job.operators.AugmentFunction;
import io.tlalign.job.operators.BatchMixer;
import io.tlalign.job.operators.DecodeAndValidate;
import io.tlalign.job.operators.EvaluateFunction;
import io.tlalign.job.operators.FaultInjection;
import io.tlalign.job.operators.PairAndCutMixOperator;
import io.tlalign.job.operators.RawRecordDeserializer;
import io.tlalign.job.operators.SequenceAssigner;
import io.tlalign.job.operators.TrainCrop;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.publish.ModelPublisher;
import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.sync.ReplicaHandover;
import io.tlalign.job.sync.ReplicaPartitioner;
import io.tlalign.job.sync.ReplicaTrainOperator;
import io.tlalign.job.sync.SyncSettings;
import io.tlalign.job.sync.SyncSink;
import io.tlalign.job.sync.SyncTopicSource;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The training job's graph. {@code main} code (the CLI) only parses options and calls {@link
 * #build}; tests build the same graph on a MiniCluster against a real broker.
 *
 * <pre>
 * images.train -> sequence -> decode+validate --bad--> images.deadletter (exactly-once)
 *                                 | ok
 *                              augment (parallel) -> pair + CutMix (p=1) -> train (p=1) -> metrics
 *
 * with tlalign.replicas P > 1, train is P replicas (batch b to replica b mod P):
 *   pair + CutMix --b mod P--> train-replicas (P) --rounds--> tlalign.sync (exactly-once)
 *                  tlalign.sync (read_committed) --broadcast--^
 * images.eval  -> decode -> evaluate (with each model on tlalign.models) ------------------> metrics
 * </pre>
 */
public final class TlAlignJob {

  private TlAlignJob() {}

  /** Adds the job to {@code env}, configured by {@code conf}. */
  public static void build(StreamExecutionEnvironment env, ReadableConfig conf) {
    JobValidation.validate(conf);
    TrainerSettings settings = TrainerSettings.from(conf);
    KafkaClients kafka = KafkaClients.from(conf);

    env.enableCheckpointing(
        conf.get(TlAlignOptions.CHECKPOINT_INTERVAL).toMillis(), CheckpointingMode.EXACTLY_ONCE);
    // A training step can take seconds; unaligned barriers overtake the batches queued before it.
    env.getCheckpointConfig().enableUnalignedCheckpoints();
    checkpointStorage(env, conf)
        .ifPresent(dir -> env.getCheckpointConfig().setCheckpointStorage(dir));
    // Kept when the process dies or is cancelled, so that a rerun resumes (see pipeline.resume).
    env.getCheckpointConfig()
        .setExternalizedCheckpointRetention(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    env.configure(
        new org.apache.flink.configuration.Configuration()
            .set(
                CheckpointingOptions.MAX_RETAINED_CHECKPOINTS,
                conf.get(TlAlignOptions.CHECKPOINT_RETAINED)));

    KafkaSourceBuilder<KafkaRecord> train =
        KafkaSource.<KafkaRecord>builder()
            .setProperties(kafka.build())
            .setTopics(conf.get(TlAlignOptions.TRAIN_TOPIC))
            .setGroupId(conf.get(TlAlignOptions.GROUP_ID))
            .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
            .setDeserializer(new RawRecordDeserializer());
    if (conf.get(TlAlignOptions.BOUNDED)) {
      train.setBounded(
          conf.getOptional(TlAlignOptions.BOUNDED_END_OFFSETS)
              .map(text -> EndOffsets.parse(conf.get(TlAlignOptions.TRAIN_TOPIC), text))
              .map(OffsetsInitializer::offsets)
              .orElseGet(OffsetsInitializer::latest));
    }
    DataStream<KafkaRecord> records =
        env.fromSource(
                new RestorableBoundedKafkaSource<>(train.build()),
                WatermarkStrategy.noWatermarks(),
                "images.train")
            .setParallelism(1)
            .uid("source-train")
            .map(new SequenceAssigner())
            .setParallelism(1)
            .uid("sequence")
            .name("sequence");

    int decodeParallelism = conf.get(TlAlignOptions.DECODE_PARALLELISM);
    DataConfig data = settings.data();
    DecodeAndValidate decode = trainingDecode(settings, conf);
    SingleOutputStreamOperator<TrainingImage> images =
        records.process(decode).setParallelism(decodeParallelism).uid("decode").name("decode");
    images
        .getSideOutput(DecodeAndValidate.DEAD_LETTERS)
        .sinkTo(
            kafkaSink(
                kafka,
                conf.get(TlAlignOptions.DEAD_LETTER_TOPIC),
                ExactlyOnceKafkaSink.transactionalIdPrefix(
                    "deadletter", conf.get(TlAlignOptions.GROUP_ID)),
                AvroRecordCodec::forDeadLetter))
        .setParallelism(decodeParallelism)
        .uid("sink-deadletter")
        .name("images.deadletter");

    DataStream<TrainingImage> augmented =
        shiftAugments(settings, conf)
            ? images
                .map(new AugmentFunction(settings.seed(), 2, data))
                .setParallelism(decodeParallelism)
                .uid("augment")
                .name("augment")
            : images;

    BatchMixer mixer = batchMixer(settings, conf.get(TlAlignOptions.CUTMIX_ALPHA));
    DataStream<TrainingBatch> batches =
        augmented
            .transform(
                "pair-and-cutmix",
                TypeInformation.of(TrainingBatch.class),
                new PairAndCutMixOperator(
                    conf.get(TlAlignOptions.BATCH_SIZE),
                    mixer,
                    fault(conf, "pairing", TlAlignOptions.FAULT_PAIRING_AT_BATCH)))
            // Parallelism 1 (one batch order), but no max parallelism of 1: the single trainer
            // is chained to it, and its state (max parallelism included) must restore into P
            // replicas. A checkpoint that recorded 1 restores as before: Flink takes a restored
            // max parallelism where none is set.
            .setParallelism(1)
            .uid("pair-and-cutmix");

    ModelPublisher.Factory publisher =
        conf.getOptional(TlAlignOptions.MODEL_STORE)
            .map(
                uri ->
                    new ModelPublisher.Factory(
                        uri,
                        kafka,
                        conf.get(TlAlignOptions.MODELS_TOPIC),
                        conf.getOptional(TlAlignOptions.EXPORT_NAMES).orElse(null)))
            .orElse(null);
    DataStream<TrainingMetric> metrics =
        conf.get(TlAlignOptions.REPLICAS) > 1
            ? replicas(env, conf, settings, batches, publisher, kafka)
            : batches
                .process(
                    new TrainFunction(
                        settings,
                        publisher,
                        fault(conf, "train", TlAlignOptions.FAULT_TRAIN_AT_STEP),
                        ReplicaHandover.TAKE_OVER))
                .setParallelism(1)
                .uid("train")
                .name("train");

    if (conf.get(TlAlignOptions.EVAL_ENABLED) && !conf.get(TlAlignOptions.BOUNDED)) {
      DecodeAndValidate evalDecode =
          new DecodeAndValidate(
              settings.numClasses(), data, conf.get(TlAlignOptions.MAX_IMAGE_PIXELS), null);
      metrics = metrics.union(evaluation(env, conf, settings, evalDecode, kafka));
    }
    metrics
        .sinkTo(
            kafkaSink(
                kafka,
                conf.get(TlAlignOptions.METRICS_TOPIC),
                ExactlyOnceKafkaSink.transactionalIdPrefix(
                    "metrics", conf.get(TlAlignOptions.GROUP_ID)),
                AvroRecordCodec::forTrainingMetric))
        .setParallelism(1)
        .uid("sink-metrics")
        .name("tlalign.metrics");
  }

  /**
   * The decode and validation stage for the model of {@code settings}, with the evaluation
   * transform of its data config.
   */
  public static DecodeAndValidate decodeAndValidate(TrainerSettings settings, int maxImagePixels) {
    return new DecodeAndValidate(settings.numClasses(), settings.data(), maxImagePixels, null);
  }

  /**
   * The training images' decode and validation stage: RandomResizedCrop and flip where the data
   * config asks for them and {@code tlalign.augment} is on, else the evaluation transform. The job
   * and the Flink ML fit both build it here.
   */
  public static DecodeAndValidate trainingDecode(TrainerSettings settings, ReadableConfig conf) {
    DataConfig data = settings.data();
    return new DecodeAndValidate(
        settings.numClasses(),
        data,
        conf.get(TlAlignOptions.MAX_IMAGE_PIXELS),
        conf.get(TlAlignOptions.AUGMENT) && data.randomResizedCrop()
            ? trainCrop(settings.seed(), conf)
            : null);
  }

  /**
   * Whether the small shift-and-flip augmentation ({@link AugmentFunction}) follows the decode:
   * {@code tlalign.augment} on and no RandomResizedCrop (vit-tiny-fm's default).
   */
  public static boolean shiftAugments(TrainerSettings settings, ReadableConfig conf) {
    return conf.get(TlAlignOptions.AUGMENT) && !settings.data().randomResizedCrop();
  }

  /** The data config of {@code model} with the job's options; see {@link TrainerSettings}. */
  public static DataConfig dataConfig(VitConfig model, ReadableConfig conf) {
    return TrainerSettings.dataConfig(model, conf);
  }

  /** The training crop of {@code tlalign.scale}, {@code ratio} and {@code hflip}. */
  public static TrainCrop trainCrop(long seed, ReadableConfig conf) {
    return new TrainCrop(
        seed,
        conf.getOptional(TlAlignOptions.SCALE)
            .map(TlAlignJob::doubles)
            .orElse(TrainCrop.DEFAULT_SCALE),
        conf.getOptional(TlAlignOptions.RATIO)
            .map(TlAlignJob::doubles)
            .orElse(TrainCrop.DEFAULT_RATIO),
        conf.get(TlAlignOptions.HFLIP));
  }

  private static double[] doubles(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The pairing and CutMix of batches for {@code settings}: no mixing for plain targets. */
  public static BatchMixer batchMixer(TrainerSettings settings, double cutMixAlpha) {
    VitConfig model = settings.model();
    return new BatchMixer(
        settings.seed(),
        settings.targetMode() != TargetMode.NONE,
        cutMixAlpha,
        false,
        PairingMode.REVERSED,
        model.channels(),
        model.tokenLayout());
  }

  /**
   * Where checkpoints go: the job's own option, else the cluster's {@code state.checkpoints.dir},
   * else a folder under {@code java.io.tmpdir}. Never the JobManager's memory: its 5 MB cap is
   * below one model's state.
   */
  static java.util.Optional<String> checkpointStorage(
      StreamExecutionEnvironment env, ReadableConfig conf) {
    java.util.Optional<String> own = conf.getOptional(TlAlignOptions.CHECKPOINT_DIR);
    if (own.isPresent()) {
      return own;
    }
    if (conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY).isPresent()
        || env.getConfiguration()
            .getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
            .isPresent()) {
      return java.util.Optional.empty(); // the cluster's setting applies
    }
    return java.util.Optional.of(
        java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "tlalign-checkpoints")
            .toUri()
            .toString());
  }

  /**
   * P data-parallel replicas: batch b to replica b mod P; parameters go round through the sync
   * topic (transactional sink, read back read_committed by the same job) and are averaged at fixed
   * step counts; see {@link ReplicaTrainOperator}.
   */
  private static DataStream<TrainingMetric> replicas(
      StreamExecutionEnvironment env,
      ReadableConfig conf,
      TrainerSettings settings,
      DataStream<TrainingBatch> batches,
      ModelPublisher.Factory publisher,
      KafkaClients kafka) {
    SyncSettings sync = SyncSettings.from(conf);
    String topic = conf.get(TlAlignOptions.SYNC_TOPIC);
    // The batch routing is a custom partitioner, which unaligned checkpoints skip unless forced;
    // aligned barriers would queue behind training steps.
    env.getCheckpointConfig().setForceUnalignedCheckpoints(true);
    // Broadcast: one reader, every message to every replica. Sharded: reader s feeds replica s
    // (its shard's contributions and every reduced shard). Separate uids: the two sources' state
    // does not mix.
    DataStream<byte[]> rounds =
        env.addSource(
                new SyncTopicSource(kafka, topic, sync.runId(), sync.replicas(), sync.sharded()),
                "tlalign.sync",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
            .setParallelism(sync.sharded() ? sync.replicas() : 1)
            .uid(sync.sharded() ? "source-sync-sharded" : "source-sync");
    SingleOutputStreamOperator<TrainingMetric> trained =
        batches
            .partitionCustom(new ReplicaPartitioner(), b -> b.batchIndex)
            .connect(sync.sharded() ? rounds.forward() : rounds.broadcast())
            .transform(
                "train-replicas",
                TypeInformation.of(TrainingMetric.class),
                new ReplicaTrainOperator(
                    settings,
                    sync,
                    publisher,
                    fault(conf, "train", TlAlignOptions.FAULT_TRAIN_AT_STEP)))
            .setParallelism(sync.replicas())
            .uid(conf.get(TlAlignOptions.REPLICAS_UID));
    trained
        .getSideOutput(ReplicaTrainOperator.SYNC)
        .sinkTo(SyncSink.create(kafka, topic, sync))
        .setParallelism(sync.replicas())
        .uid("sink-sync")
        .name("tlalign.sync");
    return trained;
  }

  private static DataStream<TrainingMetric> evaluation(
      StreamExecutionEnvironment env,
      ReadableConfig conf,
      TrainerSettings settings,
      DecodeAndValidate decode,
      KafkaClients kafka) {
    DataStream<TrainingImage> evalImages =
        env.fromSource(
                KafkaSource.<KafkaRecord>builder()
                    .setProperties(kafka.build())
                    .setTopics(conf.get(TlAlignOptions.EVAL_TOPIC))
                    .setGroupId(conf.get(TlAlignOptions.GROUP_ID) + "-eval")
                    .setStartingOffsets(OffsetsInitializer.earliest())
                    .setDeserializer(new RawRecordDeserializer())
                    .build(),
                WatermarkStrategy.noWatermarks(),
                "images.eval")
            .setParallelism(1)
            .uid("source-eval")
            .process(decode)
            .setParallelism(1)
            .uid("decode-eval")
            .name("decode-eval");
    DataStream<KafkaRecord> modelRefs =
        env.fromSource(
                KafkaSource.<KafkaRecord>builder()
                    .setProperties(kafka.build())
                    .setTopics(conf.get(TlAlignOptions.MODELS_TOPIC))
                    .setGroupId(conf.get(TlAlignOptions.GROUP_ID) + "-models")
                    .setStartingOffsets(OffsetsInitializer.latest())
                    .setDeserializer(new RawRecordDeserializer())
                    .build(),
                WatermarkStrategy.noWatermarks(),
                "tlalign.models")
            .setParallelism(1)
            .uid("source-models");
    return evalImages
        .connect(modelRefs)
        .process(
            new EvaluateFunction(
                settings,
                conf.get(TlAlignOptions.EVAL_MAX_IMAGES),
                conf.get(TlAlignOptions.BATCH_SIZE)))
        .setParallelism(1)
        .uid("evaluate")
        .name("evaluate");
  }

  private static FaultInjection fault(
      ReadableConfig conf, String name, org.apache.flink.configuration.ConfigOption<Long> at) {
    return conf.getOptional(TlAlignOptions.FAULT_MARKER_DIR)
        .map(dir -> new FaultInjection(dir, name, conf.get(at)))
        .orElse(FaultInjection.NONE);
  }

  /**
   * An exactly-once sink of Avro records (dead letters, metrics): see {@link ExactlyOnceKafkaSink}.
   */
  static <T extends org.apache.avro.specific.SpecificRecord> KafkaSink<T> kafkaSink(
      KafkaClients kafka,
      String topic,
      String transactionalIdPrefix,
      SerializableSupplier<AvroRecordCodec<T>> codec) {
    return ExactlyOnceKafkaSink.<T>builder(kafka, transactionalIdPrefix)
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<T>builder()
                .setTopic(topic)
                .setValueSerializationSchema(new AvroValueSerializer<>(codec))
                .build())
        .build();
  }
}
