package io.tlalign.cli;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.local.LocalRunConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The training recipe that {@code demo} and {@code experiment} share (a picocli mixin): batch,
 * learning rate, warm-up and augmentation, with one set of defaults and one set of checks. The
 * batch size is the job's default; the short runs' learning rate, warm-up and augmentation differ
 * from the job's on purpose and are this recipe's own.
 */
final class RecipeOptions {

  static final int DEFAULT_BATCH = TlAlignOptions.BATCH_SIZE.defaultValue();

  /** Higher than the job's 1e-3: a run of a few epochs needs to get somewhere fast. */
  static final double SHORT_RUN_LR = 2e-3;

  /** Shorter than the job's 200 steps, for the same reason (capped at a fifth of a run). */
  static final long SHORT_RUN_WARMUP = 100;

  /** Off, unlike the job: in runs this short shift and flip cost accuracy. */
  static final boolean SHORT_RUN_AUGMENT = false;

  @Option(
      names = "--batch-size",
      description = "Images per training step (default: ${DEFAULT-VALUE}).")
  int batch = DEFAULT_BATCH;

  /** The old name of {@code --batch-size}, kept hidden so that existing scripts still work. */
  @Option(names = "--batch", hidden = true, paramLabel = "N")
  void batchAlias(Integer value) {
    if (value != null) {
      batch = value;
    }
  }

  @Option(
      names = "--lr",
      defaultValue = "" + SHORT_RUN_LR,
      description = "Peak learning rate of AdamW (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--warmup",
      defaultValue = "" + SHORT_RUN_WARMUP,
      description =
          "Linear warm-up steps before the cosine decay, at most a fifth of a run's steps"
              + " (default: ${DEFAULT-VALUE}).")
  long warmup;

  @Option(
      names = "--augment",
      negatable = true,
      defaultValue = "" + SHORT_RUN_AUGMENT,
      fallbackValue = "true",
      description =
          "Random shift (up to 2 pixels) and horizontal flip of training images before mixing;"
              + " off by default, since in runs this short they cost accuracy (default:"
              + " ${DEFAULT-VALUE}).")
  boolean augment;

  /** Refuses a bad value with a message that names it and the fix (picocli exits 2). */
  void check(CommandLine cl) {
    if (batch <= 0 || batch > 4096) {
      fail(
          cl,
          "--batch-size must be in 1..4096, got " + batch + "; try --batch-size " + DEFAULT_BATCH);
    }
    if (!(lr > 0) || lr > 1) {
      fail(cl, "--lr must be in (0, 1], got " + lr + "; try --lr " + SHORT_RUN_LR);
    }
    if (warmup < 0) {
      fail(cl, "--warmup must be >= 0, got " + warmup + "; try --warmup " + SHORT_RUN_WARMUP);
    }
  }

  /**
   * This recipe for the runs of {@code model}, on {@code local}'s threads, from {@code initFrom}.
   */
  LocalRunConfig runConfig(String model, LocalRunOptions local, InitFromOption initFrom) {
    return new LocalRunConfig(
        model, batch, lr, warmup, augment, local.threads, initFrom.absolute());
  }

  private static void fail(CommandLine cl, String message) {
    throw new CommandLine.ParameterException(cl, message);
  }
}
