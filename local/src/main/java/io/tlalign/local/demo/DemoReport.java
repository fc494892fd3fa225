package io.tlalign.local.demo;

import io.tlalign.job.TlAlignJob;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.vit.DataConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/** Writes the demo's {@code report.md}. */
public final class DemoReport {

  /** Everything the report states. */
  public record Facts(
      String data,
      boolean generated,
      Configuration conf,
      DemoRun.Options options,
      long modelStep,
      EvalResult eval,
      double imagesPerSecond,
      Duration wall,
      long replayedImages,
      int epochs,
      List<String> labelNames,
      Map<String, String> skippedFiles,
      DeadLetters deadLetters,
      Path export) {}

  /** Skipped files and dead-letter reasons listed in full up to this many. */
  static final int LISTED = 50;

  private DemoReport() {}

  public static void write(Path file, Facts f, List<MetricRow> lastRows) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("# tlalign demo report\n\n");
    b.append("Written ").append(ZonedDateTime.now().withNano(0)).append(".\n\n");
    if (f.generated()) {
      b.append(
          "> **GENERATED DATA.** Fashion-MNIST could not be found or installed offline, so this run"
              + " trained and tested on synthetic 28x28 patterns (10 classes). The accuracy below"
              + " says nothing about Fashion-MNIST.\n\n");
    }
    b.append("## Result\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "- **Test accuracy: %.2f%%** (%d of %d test images, mean loss %.4f) with the model"
                + " published at step %d\n",
            f.eval().accuracy() * 100,
            f.eval().correct(),
            f.eval().examples(),
            f.eval().meanLoss(),
            f.modelStep()));
    b.append(
        String.format(
            Locale.ROOT,
            "- Steps: %d of %d images%s; training rate %.1f images/s\n",
            f.modelStep(),
            f.options().recipe().batch(),
            // Fewer when skipped files used up part of the replay's reads.
            f.modelStep() < f.options().steps()
                ? " ("
                    + f.options().steps()
                    + " asked; "
                    + f.replayedImages()
                    + " images were sent, the other reads were skipped files)"
                : "",
            f.imagesPerSecond()));
    b.append(
        String.format(
            Locale.ROOT,
            "- Wall time of the whole demo: %.1f s\n\n",
            f.wall().toMillis() / 1000.0));
    b.append(
        String.format(
            Locale.ROOT,
            "- Skipped files: %d; dead-lettered records: %d (see below)\n",
            f.skippedFiles().size(),
            f.deadLetters().count()));
    b.append(
        "- Export of the model: `"
            + f.export()
            + "/` (model.safetensors with timm names, config.json with the label names)\n\n");
    b.append("![training loss and test accuracy](curves.png)\n\n");
    b.append("## Setup\n\n");
    b.append("| | |\n|---|---|\n");
    row(b, "Data", f.data());
    row(
        b,
        "Replayed",
        f.replayedImages()
            + " training images ("
            + f.epochs()
            + " epoch(s), shuffled per epoch) to `images.train`; the test split to `images.eval`");
    row(b, "Classes", f.labelNames().size() + ": " + String.join(", ", f.labelNames()));
    row(b, "Kafka", "local KRaft broker, child process, temp folder (deleted at the end)");
    row(b, "Flink", "local cluster in the demo's JVM, bounded job");
    row(b, "Model", f.conf().get(TlAlignOptions.MODEL));
    row(b, "Mixing", f.conf().get(TlAlignOptions.MIXING).toString());
    row(b, "Batch", Integer.toString(f.conf().get(TlAlignOptions.BATCH_SIZE)));
    row(
        b,
        "Learning rate",
        f.conf().get(TlAlignOptions.LEARNING_RATE)
            + " peak, warm-up "
            + f.conf().get(TlAlignOptions.WARMUP_STEPS)
            + " steps, cosine over "
            + f.conf().get(TlAlignOptions.TOTAL_STEPS)
            + " steps");
    row(b, "Label smoothing", Double.toString(f.conf().get(TlAlignOptions.LABEL_SMOOTHING)));
    row(b, "Augmentation", augmentation(f.conf()));
    row(b, "PyTorch threads", Integer.toString(f.conf().get(TlAlignOptions.INTRA_OP_THREADS)));
    row(b, "Seed", Long.toString(f.conf().get(TlAlignOptions.SEED)));
    row(b, "Cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    b.append("\n## Last training metrics\n\n");
    b.append("| step | loss | lr | images/s | mean lambda | mean aligned share |\n");
    b.append("|---:|---:|---:|---:|---:|---:|\n");
    for (MetricRow r : lastRows) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %.4f | %.3e | %.1f | %.4f | %.4f |\n",
              r.step(),
              r.loss(),
              r.lr(),
              r.imagesPerSecond(),
              r.meanLambda(),
              r.meanAlignedShareA()));
    }
    b.append("\nAll metrics: `metrics.csv`.\n");
    b.append("\n## Skipped files\n\n");
    if (f.skippedFiles().isEmpty()) {
      b.append("None: every file was sent.\n");
    } else {
      b.append("Not sent to the job, or not scored, each with its reason:\n\n");
      f.skippedFiles().entrySet().stream()
          .limit(LISTED)
          .forEach(
              e ->
                  b.append("- `")
                      .append(e.getKey())
                      .append("`: ")
                      .append(e.getValue())
                      .append('\n'));
      if (f.skippedFiles().size() > LISTED) {
        b.append("- ... and ").append(f.skippedFiles().size() - LISTED).append(" more\n");
      }
    }
    b.append("\n## Dead letters\n\n");
    if (f.deadLetters().count() == 0) {
      b.append("None: the job accepted every record it read.\n");
    } else {
      b.append("| reason | records | first message |\n|---|---:|---|\n");
      f.deadLetters()
          .byReason()
          .forEach(
              (reason, n) ->
                  b.append(
                      String.format(
                          Locale.ROOT,
                          "| %s | %d | %s |\n",
                          reason,
                          n,
                          f.deadLetters().firstMessage().get(reason).replace("|", "\\|"))));
    }
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }

  private static String augmentation(Configuration conf) {
    if (!conf.get(TlAlignOptions.AUGMENT)) {
      return "none";
    }
    DataConfig data = TlAlignJob.dataConfig(TrainerSettings.from(conf).model(), conf);
    return data.randomResizedCrop()
        ? "RandomResizedCrop and horizontal flip (tlalign.scale, ratio, hflip)"
        : "shift up to 2 px, horizontal flip";
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
  }
}
