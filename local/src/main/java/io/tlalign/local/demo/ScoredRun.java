package io.tlalign.local.demo;

import io.tlalign.job.publish.ModelStore;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.local.AccuracyCurve;
import io.tlalign.local.BoundedTrainingRun;
import io.tlalign.local.LocalStack;
import io.tlalign.local.LocalWebUi;
import io.tlalign.local.TestSet;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.schemas.ModelRef;
import java.io.PrintStream;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * One bounded training run with a live progress line, then scored: the accuracy curve over its
 * published models and its newest model on the whole test split. The demo runs one, the experiment
 * one per method and seed.
 *
 * @param outcome what the job left: metrics, models, rate
 * @param curve test accuracy of the published models on the curve's test images
 * @param finalEval the newest model on every test image
 */
public record ScoredRun(
    BoundedTrainingRun.Outcome outcome, List<AccuracyCurve.Point> curve, EvalResult finalEval) {

  /**
   * Runs the job {@code conf} describes on the stack's broker and scores it.
   *
   * @param label starts the progress and log lines, as in {@code "demo"}
   * @param curveImages test images each published model is scored on for the curve
   */
  public static ScoredRun run(
      Configuration conf,
      String jobName,
      String label,
      boolean terminal,
      LocalStack stack,
      TestSet testSet,
      int curveImages,
      PrintStream log)
      throws Exception {
    LocalWebUi.configure(conf).ifPresent(url -> log.println(label + ": Flink web UI at " + url));
    ProgressLine progress =
        new ProgressLine(log, label, terminal, conf.get(TlAlignOptions.TOTAL_STEPS));
    BoundedTrainingRun.Outcome outcome;
    try {
      outcome =
          BoundedTrainingRun.run(
              conf, jobName, stack::track, progress.listener(conf.get(TlAlignOptions.BATCH_SIZE)));
    } finally {
      progress.finish();
    }
    TrainerSettings settings = TrainerSettings.from(conf);
    log.println(
        label
            + ": scoring the "
            + outcome.models().size()
            + " published models on "
            + Math.min(curveImages, testSet.size())
            + " test images for the accuracy curve");
    List<AccuracyCurve.Point> curve =
        AccuracyCurve.of(outcome.models(), settings, testSet, curveImages);
    ModelRef newest = outcome.newestModel();
    log.println(
        label
            + ": evaluating the model of step "
            + newest.getStep()
            + " on all "
            + testSet.size()
            + " test images");
    EvalResult fin = testSet.evaluate(settings, ModelStore.read(newest), testSet.size());
    return new ScoredRun(outcome, curve, fin);
  }

  /** The step of the last training metric. */
  public long lastStep() {
    return outcome.metrics().get(outcome.metrics().size() - 1).getStep();
  }
}
