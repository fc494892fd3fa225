package io.tlalign.local.bench;

import ai.djl.Device;
import io.tlalign.datasets.DatasetReplayer;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.IdxDataset;
import io.tlalign.datasets.ProgressListener;
import io.tlalign.datasets.ReplaySpec;
import io.tlalign.datasets.Split;
import io.tlalign.job.JobTopics;
import io.tlalign.job.operators.TrainingTimes;
import io.tlalign.job.publish.ModelStore;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.sync.ReplicaTrainOperator;
import io.tlalign.job.sync.SyncExchange;
import io.tlalign.kafka.local.LocalKafkaBroker;
import io.tlalign.model.bench.BenchArguments;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.eval.Evaluator;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Data-parallel scaling of the real job: the same Fashion-MNIST images trained once per replica
 * count (and, for P > 1, once with moments local and once with moments averaged), each run bounded
 * against a local broker, on a local Flink cluster in this JVM or on one of separate processes
 * ({@link ScaleJobRunner}). Prints per run the total and per-replica images/s over the training
 * span, the median round latency, the efficiency (time in training steps over span x P) and the
 * test accuracy of the final model, and for P &gt; 1 the sync traffic per replica and round ({@link
 * SyncTraffic}).
 */
public final class ScaleBenchmark {

  /** What to run. */
  public record Options(
      List<Integer> replicas,
      int images,
      int batch,
      int everySteps,
      int lagRounds,
      Duration checkpointInterval,
      int testImages,
      boolean bothMomentModes,
      boolean alsoDelta,
      Path dataFolder,
      long seed,
      List<String> rules,
      int singleBatch,
      SyncExchange exchange) {

    /** Validates with messages that name the {@code bench scale} option and the fix. */
    public Options {
      for (int p : replicas) {
        if (p <= 0 || p > 64) {
          throw new IllegalArgumentException(
              "--replicas " + p + " is outside 1..64; e.g. --replicas 1,2");
        }
      }
      BenchArguments.positive("--images", images, "--images 12800");
      BenchArguments.positive("--batch-size", batch, "--batch-size 64");
      BenchArguments.positive("--every-steps", everySteps, "--every-steps 10");
      BenchArguments.notNegative("--lag-rounds", lagRounds, "--lag-rounds 1");
      BenchArguments.positive("--test-images", testImages, "--test-images 10000");
      if (checkpointInterval.toMillis() < 10) {
        throw new IllegalArgumentException(
            "--checkpoint-ms must be at least 10, got "
                + checkpointInterval.toMillis()
                + "; e.g. 1000");
      }
      BenchArguments.positive("--single-batch-size", singleBatch, "--single-batch-size 128");
      Objects.requireNonNull(exchange, "exchange");
      for (String rule : rules) {
        try {
          applyRule(new Configuration(), rule);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--rules: " + e.getMessage(), e);
        }
      }
      FashionMnistFolder.check(dataFolder);
    }
  }

  /** What one run measured. */
  public record Result(
      int replicas,
      String variant,
      long images,
      double spanSeconds,
      double imagesPerSecond,
      double efficiency,
      double medianRoundLatencyMs,
      int rounds,
      double accuracy,
      long localSteps) {}

  private final Options options;
  private final ScaleJobRunner runner;

  public ScaleBenchmark(Options options) {
    this(options, new InJvmScaleRunner());
  }

  /** Runs each job with {@code runner}: in this JVM, or on a cluster of separate processes. */
  public ScaleBenchmark(Options options, ScaleJobRunner runner) {
    this.options = options;
    this.runner = runner;
  }

  public List<Result> run(PrintStream out) throws Exception {
    Path work = Files.createTempDirectory("tlalign-scale-");
    List<Result> results = new ArrayList<>();
    try (LocalKafkaBroker broker =
        LocalKafkaBroker.builder().dataDir(work.resolve("kafka")).start()) {
      String bootstrap = broker.bootstrapServers();
      String topic = "images.train.scale";
      var summary =
          DatasetReplayer.replay(
              ReplaySpec.builder()
                  .setDataset(FashionMnist.open(options.dataFolder(), Split.TRAIN))
                  .setTopic(topic)
                  .optShuffleSeed(options.seed())
                  .optLimit(options.images())
                  .build(),
              bootstrap,
              ProgressListener.NONE);
      IdxDataset test = FashionMnist.open(options.dataFolder(), Split.TEST);
      out.printf(
          Locale.ROOT,
          "scale: images=%d batch=%d K=%d S=%d checkpoint_ms=%d test_images=%d cores=%d%n",
          summary.records(),
          options.batch(),
          options.everySteps(),
          options.lagRounds(),
          options.checkpointInterval().toMillis(),
          Math.min(options.testImages(), test.size()),
          Runtime.getRuntime().availableProcessors());
      for (int p : options.replicas()) {
        if (p == 1 || options.rules().isEmpty()) {
          results.add(runOnce(out, bootstrap, topic, work, p, false, "replace", test));
        }
        if (p > 1 && options.bothMomentModes()) {
          results.add(runOnce(out, bootstrap, topic, work, p, true, "replace", test));
        }
        if (p > 1 && options.alsoDelta()) {
          results.add(runOnce(out, bootstrap, topic, work, p, false, "delta", test));
        }
        if (p > 1) {
          for (String rule : options.rules()) {
            results.add(runOnce(out, bootstrap, topic, work, p, false, rule, test));
          }
        }
      }
    } finally {
      deleteQuietly(work);
    }
    return results;
  }

  private Result runOnce(
      PrintStream out,
      String bootstrap,
      String topic,
      Path work,
      int p,
      boolean moments,
      String rule,
      IdxDataset test)
      throws Exception {
    String variant = p == 1 ? "single" : rule + (moments ? "+moments" : "");
    String run =
        "p" + p + "-" + variant.replace('+', '-').replace(':', '-') + "-s" + options.seed();
    Configuration conf = configuration(bootstrap, topic, work, run, p, moments);
    applyRule(conf, rule);
    JobTopics.ensure(conf);
    JobExecutionResult result = runner.run(conf, p, "tlalign-bench-scale-" + run, work, out);

    long computeNanos = result.getAccumulatorResult(TrainingTimes.COMPUTE_NANOS);
    long first = result.getAccumulatorResult(TrainingTimes.FIRST_STEP_MS);
    long last = result.getAccumulatorResult(TrainingTimes.LAST_STEP_MS);
    long images = result.getAccumulatorResult(TrainingTimes.IMAGES);
    double span = (last - first) / 1e3;
    List<Long> latencies = new ArrayList<>();
    List<Long> got = result.getAccumulatorResult(ReplicaTrainOperator.ROUND_LATENCY_ACCUMULATOR);
    if (got != null) {
      latencies.addAll(got);
    }
    latencies.sort(null);
    double median =
        latencies.isEmpty() ? Double.NaN : latencies.get(latencies.size() / 2).doubleValue();
    TrainingState model = ModelStore.read(newestModel(bootstrap, conf));
    EvalResult eval = evaluate(conf, model, test);
    Result r =
        new Result(
            p,
            variant,
            images,
            span,
            images / span,
            computeNanos / 1e9 / (span * p),
            median,
            latencies.size(),
            eval.accuracy(),
            model.step());
    out.printf(
        Locale.ROOT,
        "scale: replicas=%d variant=%s images=%d span_s=%.1f images_per_s=%.1f"
            + " per_replica_images_per_s=%.1f efficiency=%.2f median_round_latency_ms=%s"
            + " rounds_seen=%d local_steps=%d accuracy=%.4f%n",
        r.replicas(),
        r.variant(),
        r.images(),
        r.spanSeconds(),
        r.imagesPerSecond(),
        r.imagesPerSecond() / p,
        r.efficiency(),
        Double.isNaN(median) ? "-" : String.format(Locale.ROOT, "%.0f", median),
        r.rounds(),
        r.localSteps(),
        r.accuracy());
    if (p > 1) {
      List<String> traffic = result.getAccumulatorResult(ReplicaTrainOperator.TRAFFIC_ACCUMULATOR);
      SyncTopicTally syncTopic =
          SyncTopicTally.read(bootstrap, conf.get(TlAlignOptions.SYNC_TOPIC));
      out.println(
          SyncTraffic.of(traffic, syncTopic, parameterBytes(model))
              .line(options.exchange().optionValue()));
    }
    out.flush();
    return r;
  }

  /** M: the bytes of the model's fp32 parameters, one whole contribution's parameters. */
  private static long parameterBytes(TrainingState model) {
    long n = 0;
    for (var t : model.parameters()) {
      n += t.data().length;
    }
    return n * Float.BYTES;
  }

  /**
   * Sets the sync rule of a spec: {@code replace}, {@code delta}, {@code gradients} (K = 1, S = 0)
   * or {@code updates[:outer_lr:outer_momentum]} (DiLoCo: {@code updates:0.7:0.9}).
   */
  public static void applyRule(Configuration conf, String spec) {
    String[] parts = spec.split(":");
    io.tlalign.job.sync.SyncRule.parse(parts[0]);
    conf.set(TlAlignOptions.SYNC_APPLY, parts[0]);
    if (parts[0].equals("gradients")) {
      conf.set(TlAlignOptions.SYNC_EVERY_STEPS, 1);
      conf.set(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS, 0);
    }
    if (parts.length == 3 && parts[0].equals("updates")) {
      conf.set(TlAlignOptions.SYNC_OUTER_LR, Double.parseDouble(parts[1]));
      conf.set(TlAlignOptions.SYNC_OUTER_MOMENTUM, Double.parseDouble(parts[2]));
    } else if (parts.length != 1) {
      throw new IllegalArgumentException(
          "sync rule \"" + spec + "\"; use replace, delta, gradients, updates or updates:LR:MU");
    }
  }

  Configuration configuration(
      String bootstrap, String topic, Path work, String run, int p, boolean moments) {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.TRAIN_TOPIC, topic);
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter.scale-" + run);
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics.scale-" + run);
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models.scale-" + run);
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval.scale");
    conf.set(TlAlignOptions.GROUP_ID, "scale-" + run);
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models-" + run).toUri().toString());
    conf.set(TlAlignOptions.CHECKPOINT_DIR, work.resolve("checkpoints").toUri().toString());
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.EVAL_ENABLED, false);
    // One trainer may take the replicas' batches together (P x b: the same samples per step).
    int batch = p == 1 ? options.singleBatch() : options.batch();
    conf.set(TlAlignOptions.BATCH_SIZE, batch);
    conf.set(TlAlignOptions.SEED, options.seed());
    // Each replica runs its own schedule over its local steps.
    long localSteps = Math.max(1, (long) options.images() / batch / p);
    conf.set(TlAlignOptions.TOTAL_STEPS, localSteps);
    conf.set(TlAlignOptions.WARMUP_STEPS, Math.max(1, localSteps / 10));
    conf.set(TlAlignOptions.INTRA_OP_THREADS, 1);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, options.checkpointInterval());
    conf.set(TlAlignOptions.REPLICAS, p);
    conf.set(TlAlignOptions.SYNC_TOPIC, "tlalign.sync.scale-" + run);
    conf.set(TlAlignOptions.SYNC_EVERY_STEPS, options.everySteps());
    conf.set(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS, options.lagRounds());
    conf.set(TlAlignOptions.SYNC_AVERAGE_MOMENTS, moments);
    conf.set(TlAlignOptions.SYNC_EXCHANGE, options.exchange().optionValue());
    return conf;
  }

  private EvalResult evaluate(Configuration conf, TrainingState state, IdxDataset test)
      throws Exception {
    int n = Math.min(options.testImages(), test.size());
    var first = test.image(0);
    int per = first.height() * first.width() * first.channels();
    float[] pixels = new float[n * per];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      var img = test.image(i);
      labels[i] = img.label();
      byte[] px = img.pixels();
      for (int k = 0; k < per; k++) {
        pixels[i * per + k] = ((px[k] & 0xff) / 255f - 0.5f) / 0.5f; // as ImageValidator
      }
    }
    TrainerSettings settings = TrainerSettings.from(conf);
    try (TrainingSession session =
        TrainingSession.fromState(settings.trainingConfig(), Device.cpu(), state)) {
      return Evaluator.evaluate(session.model(), pixels, labels, 256);
    }
  }

  private static ModelRef newestModel(String bootstrap, Configuration conf) throws Exception {
    String topic = conf.get(TlAlignOptions.MODELS_TOPIC);
    Properties p =
        io.tlalign.job.settings.KafkaClients.of(bootstrap)
            .build(java.util.Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
    AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
    ModelRef newest = null;
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          ModelRef ref = codec.decode(r.value());
          if (newest == null || ref.getCheckpointId() >= newest.getCheckpointId()) {
            newest = ref;
          }
        }
      }
    }
    if (newest == null) {
      throw new IllegalStateException("the run published no model on " + topic);
    }
    return newest;
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort: a temp folder
    }
  }
}
