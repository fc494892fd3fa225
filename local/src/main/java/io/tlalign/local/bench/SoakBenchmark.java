package io.tlalign.local.bench;

import io.tlalign.datasets.DatasetReplayer;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.IdxDataset;
import io.tlalign.datasets.ProgressListener;
import io.tlalign.datasets.ReplaySpec;
import io.tlalign.datasets.Split;
import io.tlalign.job.JobTopics;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.kafka.local.LocalKafkaBroker;
import io.tlalign.local.TopicReader;
import io.tlalign.model.bench.BenchArguments;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A long run of the real training job in this JVM, watching its resident memory: a local Kafka
 * broker in a temp folder, Fashion-MNIST replayed (shuffled per epoch) onto a fresh topic, the
 * unbounded {@link TlAlignJob} on a local Flink cluster in this JVM, and a monitor that reads the
 * metrics topic and prints VmRSS and heap figures every {@code reportEvery} trained steps.
 *
 * <p>RSS is VmRSS of {@code /proc/self/status}: this JVM hosts the whole local Flink cluster and
 * the native PyTorch engine. Heap figures come from {@link Runtime} (total minus free, and total)
 * with no forced GC, so the used figure includes garbage not yet collected.
 */
public final class SoakBenchmark {

  /** What to run; validated with messages that name the {@code bench soak} option and the fix. */
  public record Options(int steps, int batch, int reportEvery, Path dataFolder, long seed) {

    public Options {
      BenchArguments.positive("--steps", steps, "--steps 10000");
      BenchArguments.positive("--batch-size", batch, "--batch-size 128");
      BenchArguments.positive("--report-every", reportEvery, "--report-every 1000");
      if (reportEvery > steps) {
        throw new IllegalArgumentException(
            "--report-every "
                + reportEvery
                + " is larger than --steps "
                + steps
                + ", so nothing would be reported; lower --report-every or raise --steps");
      }
      if ((long) steps * batch > 100_000_000L) {
        throw new IllegalArgumentException(
            "--steps "
                + steps
                + " x --batch-size "
                + batch
                + " is more than 100,000,000 images to replay; lower --steps or --batch-size");
      }
      FashionMnistFolder.check(dataFolder);
    }
  }

  /** What the run measured. */
  public record Result(long steps, double rssFirstMb, double rssLastMb, double driftPct) {
    /** The goal: RSS at the end within 5% of RSS at the first report. */
    public boolean goalMet() {
      return Math.abs(driftPct) <= GOAL_PCT;
    }
  }

  /** Allowed RSS drift between the first report and the end, in percent. */
  public static final double GOAL_PCT = 5.0;

  /** Metrics interval of the job in steps (or less where --report-every needs it). */
  static final int METRICS_EVERY = 100;

  /** Most time without a new metric before the run is declared stuck. */
  static final Duration STALL_TIMEOUT = Duration.ofMinutes(10);

  /** Images replayed beyond steps x batch, so that the last step never waits for data. */
  static final int SPARE_BATCHES = 4;

  private final Options options;

  public SoakBenchmark(Options options) {
    this.options = options;
  }

  /** Metrics every gcd(100, reportEvery) steps, so that each report step gets a metric. */
  static int metricsEvery(int reportEvery) {
    int a = METRICS_EVERY;
    int b = reportEvery;
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }

  public Result run(PrintStream out) throws Exception {
    // Load now what the end of the run needs: a jar rebuilt during a 30-minute run (mvn package
    // in the same checkout) made the lazy load of Result fail after the last report.
    Class.forName(Result.class.getName());
    Path work = Files.createTempDirectory("tlalign-soak-");
    Thread cleanup = new Thread(() -> deleteQuietly(work), "tlalign-soak-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    LocalKafkaBroker broker = null;
    try {
      broker = LocalKafkaBroker.builder().dataDir(work.resolve("kafka")).start();
      String bootstrap = broker.bootstrapServers();
      String topic = "images.train.soak";

      IdxDataset dataset = FashionMnist.open(options.dataFolder(), Split.TRAIN);
      long images = ((long) options.steps() + SPARE_BATCHES) * options.batch();
      int epochs = (int) Math.max(1, (images + dataset.size() - 1) / dataset.size());
      long t0 = System.nanoTime();
      var summary =
          DatasetReplayer.replay(
              ReplaySpec.builder()
                  .setDataset(dataset)
                  .setTopic(topic)
                  .optEpochs(epochs)
                  .optShuffleSeed(options.seed())
                  .optLimit(images)
                  .build(),
              bootstrap,
              ProgressListener.NONE);
      out.printf(
          Locale.ROOT,
          "soak: replayed=%d epochs=%d seconds=%.1f batch=%d steps=%d report_every=%d%n",
          summary.records(),
          epochs,
          (System.nanoTime() - t0) / 1e9,
          options.batch(),
          options.steps(),
          options.reportEvery());

      Configuration conf = configuration(bootstrap, topic, work);
      JobTopics.ensure(conf);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
      TlAlignJob.build(env, conf);
      JobClient job = env.executeAsync("tlalign-bench-soak");
      try {
        return monitor(out, job, bootstrap, conf.get(TlAlignOptions.METRICS_TOPIC));
      } finally {
        cancelQuietly(job);
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteQuietly(work);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  Configuration configuration(String bootstrap, String topic, Path work) {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.TRAIN_TOPIC, topic);
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter.soak");
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics.soak");
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models.soak");
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval.soak");
    conf.set(TlAlignOptions.GROUP_ID, "soak");
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models").toUri().toString());
    // In the run's temp folder, so that nothing outlives the run.
    conf.set(TlAlignOptions.CHECKPOINT_DIR, work.resolve("checkpoints").toUri().toString());
    conf.set(TlAlignOptions.BOUNDED, false);
    conf.set(TlAlignOptions.EVAL_ENABLED, false);
    conf.set(TlAlignOptions.BATCH_SIZE, options.batch());
    conf.set(TlAlignOptions.TOTAL_STEPS, (long) options.steps());
    conf.set(TlAlignOptions.WARMUP_STEPS, Math.min(200L, Math.max(1L, options.steps() / 10L)));
    conf.set(TlAlignOptions.METRICS_EVERY, metricsEvery(options.reportEvery()));
    conf.set(TlAlignOptions.INTRA_OP_THREADS, 1);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(10));
    return conf;
  }

  private Result monitor(PrintStream out, JobClient job, String bootstrap, String metricsTopic)
      throws Exception {
    AvroRecordCodec<TrainingMetric> codec = AvroRecordCodec.forTrainingMetric();
    CompletableFuture<?> done = job.getJobExecutionResult();
    try (KafkaConsumer<byte[], byte[]> consumer =
        TopicReader.consumer(io.tlalign.job.settings.KafkaClients.of(bootstrap))) {
      List<TopicPartition> parts = TopicReader.partitions(consumer, metricsTopic);
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long nextReport = options.reportEvery();
      double rssFirst = Double.NaN;
      double rssLast = Double.NaN;
      long lastStep = 0;
      long lastProgress = System.nanoTime();
      while (true) {
        if (done.isDone()) {
          done.get(); // throws the job's failure
          throw new IllegalStateException(
              "the training job ended at step " + lastStep + " before --steps " + options.steps());
        }
        if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException(
              "no training metric for "
                  + STALL_TIMEOUT.toMinutes()
                  + " min after step "
                  + lastStep);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          TrainingMetric m = codec.decode(r.value());
          long step = m.getStep();
          if (step <= lastStep) {
            continue; // a replay after a restore
          }
          lastStep = step;
          lastProgress = System.nanoTime();
          boolean end = step >= options.steps();
          if (step >= nextReport || end) {
            while (nextReport <= step) {
              nextReport += options.reportEvery();
            }
            double rss = rssMb();
            Runtime rt = Runtime.getRuntime();
            double used = (rt.totalMemory() - rt.freeMemory()) / MB;
            double committed = rt.totalMemory() / MB;
            out.printf(
                Locale.ROOT,
                "soak: step=%d rss_mb=%.1f heap_used_mb=%.1f heap_committed_mb=%.1f"
                    + " images_per_s=%.1f%n",
                step,
                rss,
                used,
                committed,
                m.getImagesPerSecond());
            out.flush();
            if (Double.isNaN(rssFirst)) {
              rssFirst = rss;
            }
            rssLast = rss;
          }
          if (end) {
            double drift = (rssLast - rssFirst) / rssFirst * 100.0;
            out.printf(
                Locale.ROOT,
                "soak: steps=%d rss_first_report_mb=%.1f rss_last_mb=%.1f drift_pct=%.2f%n",
                step,
                rssFirst,
                rssLast,
                drift);
            out.printf(Locale.ROOT, "soak: goal_met=%s%n", Math.abs(drift) <= GOAL_PCT);
            out.flush();
            return new Result(step, rssFirst, rssLast, drift);
          }
        }
      }
    }
  }

  private static final double MB = 1024.0 * 1024.0;

  /** VmRSS of this process in MiB, from /proc/self/status. */
  static double rssMb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        String[] f = line.substring(6).trim().split("\\s+");
        return Long.parseLong(f[0]) / 1024.0; // kB
      }
    }
    throw new IOException("no VmRSS line in /proc/self/status");
  }

  private static void cancelQuietly(JobClient job) {
    try {
      if (!job.getJobExecutionResult().isDone()) {
        job.cancel().get(60, TimeUnit.SECONDS);
        try {
          job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        } catch (Exception cancelled) {
          // a cancelled job's result is an exception
        }
      }
    } catch (Exception e) {
      System.err.println("soak: cancelling the job failed: " + e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort: a temp folder
    }
  }
}
