package io.tlalign.local.demo;

import io.tlalign.datasets.ReplaySummary;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.local.AccuracyCurve;
import io.tlalign.local.LocalRunConfig;
import io.tlalign.local.LocalStack;
import io.tlalign.local.RunFolder;
import io.tlalign.local.TestSet;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.weights.PretrainedWeights;
import io.tlalign.model.weights.WeightsExport;
import io.tlalign.schemas.ModelRef;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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

  /** What to run: {@code steps} of {@code mixing} from {@code seed} with {@code recipe}. */
  public record Options(
      int steps,
      TargetMode mixing,
      long seed,
      Path dataFlag,
      Path runDir,
      boolean terminal,
      LocalRunConfig recipe) {}

  /** What came out. */
  public record Result(
      double testAccuracy,
      long steps,
      double imagesPerSecond,
      Path report,
      Duration wall,
      boolean generatedData,
      long skippedFiles,
      long deadLettered) {

    /** The demo's last line. */
    public String lastLine() {
      return String.format(
          java.util.Locale.ROOT,
          "demo: test_accuracy=%.4f steps=%d images_per_s=%.1f skipped=%d dead_lettered=%d"
              + " report=%s",
          testAccuracy,
          steps,
          imagesPerSecond,
          skippedFiles,
          deadLettered,
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
    DemoData data = DemoData.resolve(options.dataFlag(), options.seed(), log);
    log.println("demo: data: " + data.description());
    SkippedFiles skipped = new SkippedFiles();
    try (LocalStack stack = LocalStack.start("demo", log, RunFolder.brokerLogs(options.runDir()))) {
      this.stack = stack;
      String bootstrap = stack.bootstrapServers();
      long images = (long) options.steps() * options.recipe().batch();
      int epochs = (int) Math.max(1, (images + data.train().size() - 1) / data.train().size());
      ReplaySummary train =
          stack.replay(data.train(), "images.train", epochs, options.seed(), images, skipped);
      log.println("demo: replayed " + train.line());
      ReplaySummary eval = stack.replayInOrder(data.test(), "images.eval", skipped);
      log.println("demo: replayed " + eval.line());

      Configuration conf = configuration(bootstrap, data.numClasses());
      log.printf(
          java.util.Locale.ROOT,
          "demo: training %s (%s) for %d steps of %d images on a local Flink cluster%n",
          conf.get(TlAlignOptions.MODEL),
          options.mixing(),
          options.steps(),
          options.recipe().batch());
      TestSet testSet =
          TestSet.of(
              data.test(),
              TrainerSettings.from(conf).data(),
              conf.get(TlAlignOptions.MAX_IMAGE_PIXELS),
              skipped::onSkipped);
      ScoredRun scored =
          ScoredRun.run(
              conf, "tlalign-demo", "demo", options.terminal(), stack, testSet, CURVE_IMAGES, log);
      List<MetricRow> rows = scored.outcome().metrics().stream().map(MetricRow::of).toList();
      double rate = scored.outcome().meanImagesPerSecond();
      List<AccuracyCurve.Point> curve = scored.curve();
      ModelRef ref = scored.outcome().newestModel();
      EvalResult result = scored.finalEval();
      DeadLetters deadLetters =
          DeadLetters.read(KafkaClients.from(conf), conf.get(TlAlignOptions.DEAD_LETTER_TOPIC));

      Path runDir = options.runDir();
      Path export = runDir.resolve(EXPORT_FOLDER);
      exportModel(ref, data.labelNames(), export);
      MetricsCsv.write(runDir.resolve("metrics.csv"), rows);
      CurvesChart.write(
          runDir.resolve("curves.png"),
          rows,
          curve,
          result.accuracy(),
          "tlalign demo: "
              + options.mixing()
              + switch (data.kind()) {
                case GENERATED -> " on GENERATED data";
                case FASHION_MNIST -> " on Fashion-MNIST";
                case IMAGE_FOLDER -> " on an image folder";
              });
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
              result,
              rate,
              wall,
              train.records(),
              epochs,
              data.labelNames(),
              skipped.reasons(),
              deadLetters,
              runDir.relativize(export)),
          rows.subList(Math.max(0, rows.size() - LAST_ROWS), rows.size()));
      return new Result(
          result.accuracy(),
          ref.getStep(),
          rate,
          report,
          wall,
          data.generated(),
          skipped.count(),
          deadLetters.count());
    }
  }

  /** The run folder's export of the newest model: timm names, the class names as label names. */
  static final String EXPORT_FOLDER = "model";

  private static void exportModel(ModelRef ref, List<String> labelNames, Path dir)
      throws IOException {
    PretrainedWeights.AsIs model =
        PretrainedWeights.loadAsIs(Path.of(URI.create(ref.getUri())), null);
    WeightsExport.write(
        model.weights().parameters(),
        model.config(),
        model.data(),
        WeightsExport.Names.TIMM,
        dir,
        labelNames);
  }

  Configuration configuration(String bootstrap, int numClasses) {
    Configuration conf =
        options
            .recipe()
            .toConfiguration(
                options.mixing(), options.steps(), options.seed(), bootstrap, stack.work(), "");
    conf.set(TlAlignOptions.NUM_CLASSES, numClasses);
    return conf;
  }
}
