package io.tlalign.local.experiment;

import io.tlalign.datasets.ReplaySummary;
import io.tlalign.local.BoundedTrainingRun;
import io.tlalign.local.LocalRunConfig;
import io.tlalign.local.LocalStack;
import io.tlalign.local.RunFolder;
import io.tlalign.local.TestSet;
import io.tlalign.local.demo.DemoData;
import io.tlalign.local.demo.ScoredRun;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.schemas.TrainingMetric;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;

/**
 * {@code tlalign experiment}: no-mix, CutMix and TL-Align trained on the same replayed stream with
 * the same seeds, each run through the real streaming job on a local Flink cluster, then compared
 * on the test split. One broker and one replay serve every run; each run has its own topics,
 * consumer group, model files and checkpoints, so the runs never see each other.
 */
public final class ExperimentRun {

  /** What to run: each of {@code methods} from seeds 0 to {@code seeds - 1} with {@code recipe}. */
  public record Options(
      List<TargetMode> methods,
      int seeds,
      int epochs,
      long limit,
      int curveImages,
      Path dataFlag,
      Path runDir,
      boolean terminal,
      LocalRunConfig recipe) {}

  /** What came out: every run, and where the report went. */
  public record Result(List<RunResult> runs, Path report, Path chart, boolean generatedData) {

    /** Test accuracy over the seeds of {@code method}. */
    public Spread accuracy(String method) {
      return Spread.of(
          runs.stream()
              .filter(r -> r.method().equals(method))
              .map(RunResult::testAccuracy)
              .toList());
    }

    /** {@code experiment: none=A±s cutmix=B±s tlalign=C±s}, methods in run order. */
    public String lastLine() {
      StringBuilder b = new StringBuilder("experiment:");
      for (String m : methods()) {
        b.append(' ').append(m).append('=').append(accuracy(m).format(4));
      }
      return b.toString();
    }

    /** The methods, in the order they ran. */
    public List<String> methods() {
      return runs.stream().map(RunResult::method).distinct().toList();
    }
  }

  private final Options options;

  public ExperimentRun(Options options) {
    this.options = options;
  }

  public Result run(PrintStream log) throws Exception {
    System.setProperty("java.awt.headless", "true");
    long t0 = System.nanoTime();
    DemoData data = DemoData.resolve(options.dataFlag(), log);
    if (data.kind() == DemoData.Kind.IMAGE_FOLDER) {
      // Its runs, test set and report assume Fashion-MNIST's 10 classes at 28x28.
      throw new IllegalArgumentException(
          "--data "
              + options.dataFlag()
              + " is an image folder; the experiment compares the methods on Fashion-MNIST. Train"
              + " on the folder with: tlalign demo --data "
              + options.dataFlag());
    }
    log.println("experiment: data: " + data.description());
    TestSet testSet =
        TestSet.of(data.test(), VitPresets.dataConfig(VitPresets.byName(options.recipe().model())));
    List<RunResult> runs = new ArrayList<>();
    long steps;
    try (LocalStack stack =
        LocalStack.start("experiment", log, RunFolder.brokerLogs(options.runDir()))) {
      long images = (long) options.epochs() * data.train().size();
      if (options.limit() > 0) {
        images = Math.min(images, options.limit());
      }
      int batch = options.recipe().batch();
      steps = images / batch;
      if (steps < 1) {
        throw new IllegalArgumentException(
            images + " training images make no step of " + batch + "; replay more");
      }
      // One stream for every run: shuffled per epoch with a fixed seed, whatever the run's seed.
      ReplaySummary train =
          stack.replay(data.train(), "images.train", options.epochs(), 0L, steps * batch);
      log.println("experiment: replayed " + train.line());
      log.printf(
          Locale.ROOT,
          "experiment: %d runs (%s x %d seeds) of %d steps of %d images%n",
          options.methods().size() * options.seeds(),
          options.methods().stream().map(TargetMode::toString).collect(Collectors.joining(", ")),
          options.seeds(),
          steps,
          batch);
      for (int seed = 0; seed < options.seeds(); seed++) {
        for (TargetMode method : options.methods()) {
          runs.add(runOne(stack, testSet, method, seed, steps, log));
        }
      }
    }
    Path runDir = options.runDir();
    Path chart = runDir.resolve("experiment.png");
    Result result = new Result(runs, runDir.resolve("experiment.md"), chart, data.generated());
    ExperimentChart.write(chart, result, steps);
    ExperimentReport.write(
        result,
        new ExperimentReport.Setup(
            data.description(),
            data.generated(),
            options,
            steps,
            testSet.size(),
            Duration.ofNanos(System.nanoTime() - t0)),
        runDir);
    return result;
  }

  private RunResult runOne(
      LocalStack stack, TestSet testSet, TargetMode method, long seed, long steps, PrintStream log)
      throws Exception {
    String tag = method + "-s" + seed;
    Configuration conf =
        options
            .recipe()
            .toConfiguration(method, steps, seed, stack.bootstrapServers(), stack.work(), tag);
    log.println("experiment: run " + tag + " ...");
    ScoredRun scored =
        ScoredRun.run(
            conf,
            "tlalign-experiment-" + tag,
            "experiment: " + tag,
            options.terminal(),
            stack,
            testSet,
            options.curveImages(),
            log);
    BoundedTrainingRun.Outcome outcome = scored.outcome();
    double accuracy = scored.finalEval().accuracy();
    log.printf(
        Locale.ROOT,
        "experiment: run %s: test_accuracy=%.4f steps=%d train_s=%.1f images_per_s=%.1f%n",
        tag,
        accuracy,
        scored.lastStep(),
        outcome.trainingWall().toMillis() / 1000.0,
        outcome.meanImagesPerSecond());
    return new RunResult(
        method.toString(),
        seed,
        accuracy,
        scored.curve(),
        outcome.trainingWall(),
        outcome.meanImagesPerSecond(),
        scored.lastStep(),
        shareMinusLambda(outcome.metrics()));
  }

  /** Per image of every reported step: aligned share of source A minus the batch's lambda. */
  static float[] shareMinusLambda(List<TrainingMetric> metrics) {
    int n = 0;
    for (TrainingMetric m : metrics) {
      if (m.getAlignedSharesA() != null) {
        n += m.getAlignedSharesA().size();
      }
    }
    float[] out = new float[n];
    int i = 0;
    for (TrainingMetric m : metrics) {
      if (m.getAlignedSharesA() != null) {
        for (Float share : m.getAlignedSharesA()) {
          out[i++] = (float) (share - m.getMeanLambda());
        }
      }
    }
    return out;
  }
}
