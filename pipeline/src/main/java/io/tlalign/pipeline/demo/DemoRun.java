package io.tlalign.pipeline.demo;

import ai.djl.Device;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.eval.Evaluator;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.pipeline.job.JobTopics;
import io.tlalign.pipeline.job.TlAlignJob;
import io.tlalign.pipeline.job.TlAlignOptions;
import io.tlalign.pipeline.job.TrainerSettings;
import io.tlalign.pipeline.kafka.LocalKafkaBroker;
import io.tlalign.pipeline.publish.ModelStore;
import io.tlalign.pipeline.replay.DatasetReplayer;
import io.tlalign.pipeline.replay.ImageDataset;
import io.tlalign.pipeline.replay.ProgressListener;
import io.tlalign.pipeline.replay.ReplaySpec;
import io.tlalign.pipeline.replay.ReplaySummary;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code tlalign demo}: everything on one machine. A local Kafka broker (child process, temp
 * folder), the dataset replayed (train to {@code images.train}, test to {@code images.eval}), the
 * bounded training job on a local Flink cluster in this JVM with a live progress line, then the
 * last published model evaluated on the test split and a report folder written. Everything it
 * starts is stopped on success, on error and on Ctrl-C.
 */
public final class DemoRun {

  /** What to run. */
  public record Options(
      int steps,
      String mixing,
      Path dataFlag,
      Path outDir,
      int batch,
      double lr,
      long warmup,
      int threads,
      long seed,
      boolean terminal) {}

  /** What came out. */
  public record Result(
      double testAccuracy,
      long steps,
      double imagesPerSecond,
      Path report,
      Duration wall,
      boolean generatedData) {

    /** The demo's last line. */
    public String lastLine() {
      return String.format(
          java.util.Locale.ROOT,
          "demo: test_accuracy=%.4f steps=%d images_per_s=%.1f report=%s",
          testAccuracy,
          steps,
          imagesPerSecond,
          report);
    }
  }

  /** Metrics at most every this many steps. */
  static final int METRICS_EVERY = 10;

  /**
   * The largest divisor of {@code steps} up to {@link #METRICS_EVERY}: the last step has a metric.
   */
  static int metricsEvery(int steps) {
    for (int d = METRICS_EVERY; d > 1; d--) {
      if (steps % d == 0) {
        return d;
      }
    }
    return 1;
  }

  /** Rows of the report's last-metrics table. */
  static final int LAST_ROWS = 10;

  private final Options options;
  private final AtomicReference<LocalKafkaBroker> broker = new AtomicReference<>();
  private final AtomicReference<JobClient> job = new AtomicReference<>();
  private volatile Path work;

  public DemoRun(Options options) {
    this.options = options;
  }

  public Result run(PrintStream log) throws Exception {
    System.setProperty("java.awt.headless", "true");
    long t0 = System.nanoTime();
    DemoData data = DemoData.resolve(options.dataFlag(), log);
    log.println("demo: data: " + data.description());
    Thread hook = new Thread(this::stopAll, "tlalign-demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      work = Files.createTempDirectory("tlalign-demo-");
      log.println("demo: starting a local Kafka broker in " + work);
      LocalKafkaBroker b = LocalKafkaBroker.builder().dataDir(work.resolve("kafka")).start();
      broker.set(b);
      String bootstrap = b.bootstrapServers();
      log.println("demo: broker at " + bootstrap + " (pid " + b.pid() + ")");

      long images = (long) options.steps() * options.batch();
      int epochs = (int) Math.max(1, (images + data.train().size() - 1) / data.train().size());
      ReplaySummary train =
          DatasetReplayer.replay(
              ReplaySpec.builder()
                  .setDataset(data.train())
                  .setTopic("images.train")
                  .optEpochs(epochs)
                  .optShuffleSeed(options.seed())
                  .optLimit(images)
                  .build(),
              bootstrap,
              ProgressListener.NONE);
      log.println("demo: replayed " + train.line());
      ReplaySummary eval =
          DatasetReplayer.replay(
              ReplaySpec.builder().setDataset(data.test()).setTopic("images.eval").build(),
              bootstrap,
              ProgressListener.NONE);
      log.println("demo: replayed " + eval.line());

      Configuration conf = configuration(bootstrap);
      JobTopics.ensure(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
      TlAlignJob.build(env, conf);
      log.printf(
          java.util.Locale.ROOT,
          "demo: training %s (%s) for %d steps of %d images on a local Flink cluster%n",
          conf.get(TlAlignOptions.MODEL),
          options.mixing(),
          options.steps(),
          options.batch());
      JobClient client = env.executeAsync("tlalign-demo");
      job.set(client);
      Monitor monitor = new Monitor(bootstrap, conf.get(TlAlignOptions.METRICS_TOPIC), log);
      Thread monitorThread = new Thread(monitor, "tlalign-demo-progress");
      monitorThread.setDaemon(true);
      monitorThread.start();
      try {
        client.getJobExecutionResult().get();
      } finally {
        monitor.stopAfterStep(options.steps(), Duration.ofSeconds(15));
        monitorThread.join(30_000);
        monitor.progress.finish();
      }
      if (monitor.failure != null) {
        throw new IllegalStateException("reading the metrics topic failed", monitor.failure);
      }
      List<MetricRow> rows = monitor.rows();
      if (rows.isEmpty()) {
        throw new IllegalStateException("the training job published no metrics");
      }
      long lastStep = rows.get(rows.size() - 1).step();
      double rate = monitor.meanImagesPerSecond(options.batch());

      ModelRef ref = newestModel(bootstrap, conf.get(TlAlignOptions.MODELS_TOPIC));
      log.println(
          "demo: evaluating the model of step "
              + ref.getStep()
              + " on "
              + data.test().size()
              + " test images");
      TrainingState state = ModelStore.read(ref);
      EvalResult result = evaluate(conf, state, data.test());

      Path runDir = runDir(options.outDir());
      MetricsCsv.write(runDir.resolve("metrics.csv"), rows);
      CurvesChart.write(
          runDir.resolve("curves.png"),
          rows,
          result.accuracy(),
          "tlalign demo: "
              + options.mixing()
              + (data.generated() ? " on GENERATED data" : " on Fashion-MNIST"));
      Duration wall = Duration.ofNanos(System.nanoTime() - t0);
      Path report = runDir.resolve("report.md");
      DemoReport.write(
          report,
          new DemoReport.Facts(
              data.description(),
              data.generated(),
              conf,
              options,
              ref.getStep(),
              lastStep,
              result,
              rate,
              wall,
              train.records(),
              epochs),
          rows.subList(Math.max(0, rows.size() - LAST_ROWS), rows.size()));
      return new Result(result.accuracy(), ref.getStep(), rate, report, wall, data.generated());
    } finally {
      stopAll();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  Configuration configuration(String bootstrap) {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.TRAIN_TOPIC, "images.train");
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval");
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter");
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics");
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models");
    conf.set(TlAlignOptions.GROUP_ID, "tlalign-demo");
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models").toUri().toString());
    // In the run's temp folder, so that no checkpoint outlives the demo.
    conf.set(TlAlignOptions.CHECKPOINT_DIR, work.resolve("checkpoints").toUri().toString());
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.EVAL_ENABLED, false);
    conf.set(TlAlignOptions.MIXING, options.mixing());
    conf.set(TlAlignOptions.BATCH_SIZE, options.batch());
    conf.set(TlAlignOptions.SEED, options.seed());
    conf.set(TlAlignOptions.LEARNING_RATE, options.lr());
    conf.set(
        TlAlignOptions.WARMUP_STEPS,
        Math.min(options.warmup(), Math.max(1L, options.steps() / 5L)));
    conf.set(TlAlignOptions.TOTAL_STEPS, (long) options.steps());
    conf.set(TlAlignOptions.METRICS_EVERY, metricsEvery(options.steps()));
    conf.set(TlAlignOptions.INTRA_OP_THREADS, options.threads());
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 1);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(30));
    return conf;
  }

  private static EvalResult evaluate(Configuration conf, TrainingState state, ImageDataset test)
      throws Exception {
    int n = test.size();
    var first = test.image(0);
    int pixelsPer = first.height() * first.width() * first.channels();
    float[] pixels = new float[n * pixelsPer];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      var img = test.image(i);
      labels[i] = img.label();
      byte[] px = img.pixels();
      for (int p = 0; p < pixelsPer; p++) {
        pixels[i * pixelsPer + p] = ((px[p] & 0xff) / 255f - 0.5f) / 0.5f;
      }
    }
    TrainerSettings settings = TrainerSettings.from(conf);
    try (TrainingSession session =
        TrainingSession.fromState(settings.trainingConfig(), Device.cpu(), state)) {
      return Evaluator.evaluate(session.model(), pixels, labels, 256);
    }
  }

  private static ModelRef newestModel(String bootstrap, String topic) throws Exception {
    AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
    ModelRef newest = null;
    for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, topic)) {
      ModelRef ref = codec.decode(r.value());
      if (newest == null || ref.getStep() >= newest.getStep()) {
        newest = ref;
      }
    }
    if (newest == null) {
      throw new IllegalStateException("the training job published no model on " + topic);
    }
    return newest;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
      List<TopicPartition> parts = partitions(c, topic);
      c.assign(parts);
      c.seekToBeginning(parts);
      var end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) {
          if (c.position(tp) < end.get(tp)) {
            done = false;
          }
        }
        if (done) {
          break;
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    return new KafkaConsumer<>(p);
  }

  private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo info : c.partitionsFor(topic, Duration.ofSeconds(30))) {
      parts.add(new TopicPartition(info.topic(), info.partition()));
    }
    return parts;
  }

  /** runs/<yyyyMMdd-HHmmss>, with a suffix if that exists already. */
  static Path runDir(Path outDir) throws IOException {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = outDir.resolve(stamp);
    for (int i = 2; Files.exists(dir); i++) {
      dir = outDir.resolve(stamp + "-" + i);
    }
    Files.createDirectories(dir);
    return dir;
  }

  /**
   * Stops the broker (its close deletes its folder), the job and the temp folder; idempotent. The
   * broker goes first: on Ctrl-C the JVM may not wait for a job cancellation, and a broker process
   * is what must not be left behind.
   */
  void stopAll() {
    LocalKafkaBroker b = broker.getAndSet(null);
    if (b != null) {
      try {
        b.close();
      } catch (RuntimeException e) {
        System.err.println("demo: stopping the broker failed: " + e);
      }
    }
    Path w = work;
    if (w != null && Files.exists(w)) {
      try (Stream<Path> s = Files.walk(w)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException | RuntimeException e) {
        // best effort
      }
    }
    JobClient j = job.getAndSet(null);
    if (j != null) {
      try {
        CompletableFuture<?> done = j.getJobExecutionResult();
        if (!done.isDone()) {
          j.cancel().get(10, TimeUnit.SECONDS);
        }
      } catch (Exception e) {
        // the job ended or the cluster is going down with the JVM
      }
    }
  }

  /** Reads the metrics topic while the job runs and drives the progress line. */
  private final class Monitor implements Runnable {
    private final String bootstrap;
    private final String topic;
    final ProgressLine progress;
    private final List<MetricRow> rows = new ArrayList<>();
    private final List<Long> timesMillis = new ArrayList<>();
    private volatile long stopAfter = Long.MAX_VALUE;
    private volatile long stopDeadline = Long.MAX_VALUE;
    volatile Exception failure;

    Monitor(String bootstrap, String topic, PrintStream log) {
      this.bootstrap = bootstrap;
      this.topic = topic;
      this.progress = new ProgressLine(log, options.terminal(), options.steps());
    }

    void stopAfterStep(long step, Duration grace) {
      stopDeadline = System.nanoTime() + grace.toNanos();
      stopAfter = step;
    }

    synchronized List<MetricRow> rows() {
      return List.copyOf(rows);
    }

    /** Images/s between metric {@code from} and the newest, or NaN with fewer than two. */
    synchronized double rateOver(int from) {
      int n = rows.size();
      if (n - from < 2) {
        return Double.NaN;
      }
      double seconds = (timesMillis.get(n - 1) - timesMillis.get(from)) / 1000.0;
      long steps = rows.get(n - 1).step() - rows.get(from).step();
      return seconds > 0 ? steps * (double) options.batch() / seconds : Double.NaN;
    }

    synchronized double meanImagesPerSecond(int batch) {
      int n = rows.size();
      if (n >= 2) {
        double seconds = (timesMillis.get(n - 1) - timesMillis.get(0)) / 1000.0;
        long steps = rows.get(n - 1).step() - rows.get(0).step();
        if (seconds > 0 && steps > 0) {
          return steps * (double) batch / seconds;
        }
      }
      return n == 0 ? Double.NaN : rows.get(n - 1).imagesPerSecond();
    }

    @Override
    public void run() {
      AvroRecordCodec<TrainingMetric> codec = AvroRecordCodec.forTrainingMetric();
      try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap)) {
        List<TopicPartition> parts = partitions(c, topic);
        c.assign(parts);
        c.seekToBeginning(parts);
        long lastStep = 0;
        while (true) {
          if (lastStep >= stopAfter || System.nanoTime() > stopDeadline) {
            return;
          }
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
            TrainingMetric m = codec.decode(r.value());
            if (m.getAccuracy() != null || m.getStep() <= lastStep) {
              continue; // an evaluation metric, or a replay after a restore
            }
            lastStep = m.getStep();
            MetricRow row = MetricRow.of(m);
            synchronized (this) {
              rows.add(row);
              timesMillis.add(m.getTime().toEpochMilli());
            }
            // The per-metric rate jumps around (checkpoints, GC): show the rate over the last
            // metrics and take the ETA from the mean rate since the first metric.
            double recent = rateOver(Math.max(0, rows.size() - 6));
            double mean = rateOver(0);
            double eta =
                mean > 0
                    ? (options.steps() - row.step()) * (double) options.batch() / mean
                    : Double.NaN;
            MetricRow shown =
                Double.isNaN(recent)
                    ? row
                    : new MetricRow(
                        row.step(),
                        row.loss(),
                        row.lr(),
                        recent,
                        row.meanLambda(),
                        row.meanAlignedShareA());
            progress.update(shown, eta, row.step() >= options.steps());
          }
        }
      } catch (Exception e) {
        if (!Thread.currentThread().isInterrupted()) {
          failure = e;
        }
      }
    }
  }
}
