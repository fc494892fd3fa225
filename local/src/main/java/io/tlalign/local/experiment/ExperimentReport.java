package io.tlalign.local.experiment;

import io.tlalign.local.LocalRunConfig;
import io.tlalign.model.train.TargetMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes {@code experiment.md} (the comparison) and {@code experiment.csv} (one row per run). */
public final class ExperimentReport {

  /** How the experiment was set up. */
  public record Setup(
      String data,
      boolean generated,
      ExperimentRun.Options options,
      long steps,
      int testImages,
      Duration wall) {}

  private ExperimentReport() {}

  public static void write(ExperimentRun.Result result, Setup setup, Path runDir)
      throws IOException {
    Files.writeString(
        runDir.resolve("experiment.md"), markdown(result, setup), StandardCharsets.UTF_8);
    Files.writeString(runDir.resolve("experiment.csv"), csv(result), StandardCharsets.UTF_8);
  }

  static String csv(ExperimentRun.Result result) {
    StringBuilder b =
        new StringBuilder("method,seed,test_accuracy,steps,train_seconds,images_per_second\n");
    for (RunResult r : result.runs()) {
      b.append(
          String.format(
              Locale.ROOT,
              "%s,%d,%.6f,%d,%.3f,%.3f%n",
              r.method(),
              r.seed(),
              r.testAccuracy(),
              r.steps(),
              r.trainingWall().toMillis() / 1000.0,
              r.imagesPerSecond()));
    }
    return b.toString();
  }

  static String markdown(ExperimentRun.Result result, Setup s) {
    ExperimentRun.Options o = s.options();
    LocalRunConfig recipe = o.recipe();
    StringBuilder b = new StringBuilder("# tlalign experiment: no-mix, CutMix and TL-Align\n\n");
    b.append("Written ").append(ZonedDateTime.now().withNano(0)).append(".\n\n");
    if (s.generated()) {
      b.append(
          "> **GENERATED DATA.** Fashion-MNIST could not be had, so these runs used synthetic"
              + " patterns; the figures say nothing about Fashion-MNIST.\n\n");
    }
    b.append("## Test top-1 over seeds\n\n");
    b.append(
        "| method | test top-1 (mean ± sd) | per seed | training time per run (mean) |"
            + " images/s (mean) |\n");
    b.append("|---|---:|---|---:|---:|\n");
    for (String m : result.methods()) {
      List<Double> acc = new ArrayList<>();
      List<Double> secs = new ArrayList<>();
      List<Double> rate = new ArrayList<>();
      List<String> per = new ArrayList<>();
      for (RunResult r : result.runs()) {
        if (r.method().equals(m)) {
          acc.add(r.testAccuracy());
          secs.add(r.trainingWall().toMillis() / 1000.0);
          rate.add(r.imagesPerSecond());
          per.add(String.format(Locale.ROOT, "s%d: %.4f", r.seed(), r.testAccuracy()));
        }
      }
      Spread a = Spread.of(acc);
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f%% ± %.2f | %s | %.1f s | %.1f |%n",
              m,
              a.mean() * 100,
              a.sd() * 100,
              String.join(", ", per),
              Spread.of(secs).mean(),
              Spread.of(rate).mean()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "%nSample standard deviation over %d seed(s); the final model of each run scored on"
                + " all %d test images.%n%n",
            o.seeds(),
            s.testImages()));
    b.append("![accuracy curves and share histogram](experiment.png)\n\n");
    b.append(alignment(result));
    b.append("## Setup\n\n| | |\n|---|---|\n");
    row(b, "Data", s.data());
    row(b, "Stream", "one replay for every run: " + o.epochs() + " epoch(s), shuffled per epoch");
    row(b, "Model", recipe.model());
    row(b, "Methods", String.join(", ", result.methods()));
    row(b, "Seeds", o.seeds() + " (0.." + (o.seeds() - 1) + "): model init, augmentation, boxes");
    row(b, "Steps per run", s.steps() + " of " + recipe.batch() + " images");
    row(
        b,
        "Optimizer",
        String.format(
            Locale.ROOT,
            "AdamW, peak lr %s, warm-up %d steps, cosine decay",
            recipe.lr(),
            Math.min(recipe.warmup(), Math.max(1, s.steps() / 5))));
    row(
        b,
        "Accuracy curve",
        "each published model on the first " + o.curveImages() + " test images");
    row(b, "PyTorch threads", Integer.toString(recipe.threads()));
    row(b, "Cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    row(
        b,
        "Wall time, whole experiment",
        String.format(Locale.ROOT, "%.1f min", s.wall().toMillis() / 60_000.0));
    b.append("\nPer run: `experiment.csv`.\n");
    return b.toString();
  }

  /** What TL-Align changed: the aligned share against the pasted area, per image. */
  static String alignment(ExperimentRun.Result result) {
    List<Double> d = new ArrayList<>();
    for (RunResult r : result.runs()) {
      if (r.method().equals(TargetMode.TLALIGN.toString())) {
        for (float v : r.shareMinusLambda()) {
          d.add((double) v);
        }
      }
    }
    if (d.isEmpty()) {
      return "";
    }
    Spread s = Spread.of(d);
    long far = d.stream().filter(v -> Math.abs(v) > 0.05).count();
    double meanAbs = d.stream().mapToDouble(Math::abs).average().orElse(Double.NaN);
    return String.format(
        Locale.ROOT,
        "## Aligned share against lambda (TL-Align runs)%n%n"
            + "Over %d images of the reported steps, the class token's share of source A minus"
            + " the pasted-area lambda has mean %.4f, sd %.4f and mean absolute value %.4f;"
            + " %.1f%% of images differ by more than 0.05. That difference is what TL-Align"
            + " changes in the target.%n%n",
        d.size(),
        s.mean(),
        s.sd(),
        meanAbs,
        100.0 * far / d.size());
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("| ").append(k).append(" | ").append(v).append(" |\n");
  }
}
