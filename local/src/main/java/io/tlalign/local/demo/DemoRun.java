package io.tlalign.local.demo;

import io.tlalign.datasets.ReplaySummary;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.local.AccuracyCurve;
import io.tlalign.local.LocalRunConfig;
import io.tlalign.local.LocalStack;
import io.tlalign.local.TestSet;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.train.TargetMode;
import io.tlalign.schemas.ModelRef;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.flink.configuration.Configuration;

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
      TargetMode mixing,
      Path dataFlag,
      Path outDir,
      int batch,
      double lr,
      long warmup,
      boolean augment,
      int threads,
      long seed,
      boolean terminal,
      Path initFrom) {}

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

  /** Test images each published model is scored on for the accuracy curve. */
  static final int CURVE_IMAGES = 2_000;

  /** Rows of the report's last-metrics table. */
  static final int LAST_ROWS = 10;

  private final Options options;
  private LocalStack stack;

  public DemoRun(Options options) {
    this.options = options;
  }

  public Result run(PrintStream log) throws Exception {
    System.setProperty("java.awt.headless", "true");
    long t0 = System.nanoTime();
    DemoData data = DemoData.resolve(options.dataFlag(), log);
    log.println("demo: data: " + data.description());
    try (LocalStack stack = LocalStack.start("demo", log)) {
      this.stack = stack;
      String bootstrap = stack.bootstrapServers();
      long images = (long) options.steps() * options.batch();
      int epochs = (int) Math.max(1, (images + data.train().size() - 1) / data.train().size());
      ReplaySummary train =
          stack.replay(data.train(), "images.train", epochs, options.seed(), images);
      log.println("demo: replayed " + train.line());
      ReplaySummary eval = stack.replayInOrder(data.test(), "images.eval");
      log.println("demo: replayed " + eval.line());

      Configuration conf = configuration(bootstrap);
      log.printf(
          java.util.Locale.ROOT,
          "demo: training %s (%s) for %d steps of %d images on a local Flink cluster%n",
          conf.get(TlAlignOptions.MODEL),
          options.mixing(),
          options.steps(),
          options.batch());
      TestSet testSet = TestSet.of(data.test(), TrainerSettings.from(conf).data());
      ScoredRun scored =
          ScoredRun.run(
              conf, "tlalign-demo", "demo", options.terminal(), stack, testSet, CURVE_IMAGES, log);
      List<MetricRow> rows = scored.outcome().metrics().stream().map(MetricRow::of).toList();
      long lastStep = scored.lastStep();
      double rate = scored.outcome().meanImagesPerSecond();
      List<AccuracyCurve.Point> curve = scored.curve();
      ModelRef ref = scored.outcome().newestModel();
      EvalResult result = scored.finalEval();

      Path runDir = runDir(options.outDir());
      MetricsCsv.write(runDir.resolve("metrics.csv"), rows);
      CurvesChart.write(
          runDir.resolve("curves.png"),
          rows,
          curve,
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
    }
  }

  Configuration configuration(String bootstrap) {
    Configuration conf =
        new LocalRunConfig(
                options.mixing(),
                options.batch(),
                options.lr(),
                options.warmup(),
                options.steps(),
                options.seed(),
                options.augment(),
                options.threads(),
                "vit-tiny-fm")
            .toConfiguration(bootstrap, stack.work(), "");
    if (options.initFrom() != null) {
      conf.set(TlAlignOptions.INIT_FROM, options.initFrom().toAbsolutePath().toString());
    }
    return conf;
  }

  /** runs/<yyyyMMdd-HHmmss>, with a suffix if that exists already. */
  public static Path runDir(Path outDir) throws IOException {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = outDir.resolve(stamp);
    for (int i = 2; Files.exists(dir); i++) {
      dir = outDir.resolve(stamp + "-" + i);
    }
    Files.createDirectories(dir);
    return dir;
  }
}
