package io.tlalign.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The training recipe that {@code demo} and {@code experiment} share (a picocli mixin): batch,
 * learning rate, warm-up and augmentation, with one set of defaults and one set of checks.
 */
final class RecipeOptions {

  static final int DEFAULT_BATCH = 128;
  static final double DEFAULT_LR = 2e-3;
  static final long DEFAULT_WARMUP = 100;
  static final boolean DEFAULT_AUGMENT = false;

  @Option(
      names = "--batch",
      defaultValue = "" + DEFAULT_BATCH,
      description = "Images per training step (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--lr",
      defaultValue = "" + DEFAULT_LR,
      description = "Peak learning rate of AdamW (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--warmup",
      defaultValue = "" + DEFAULT_WARMUP,
      description =
          "Linear warm-up steps before the cosine decay, at most a fifth of a run's steps"
              + " (default: ${DEFAULT-VALUE}).")
  long warmup;

  @Option(
      names = "--augment",
      negatable = true,
      defaultValue = "" + DEFAULT_AUGMENT,
      fallbackValue = "true",
      description =
          "Random shift (up to 2 pixels) and horizontal flip of training images before mixing;"
              + " off by default, since in runs this short they cost accuracy (default:"
              + " ${DEFAULT-VALUE}).")
  boolean augment;

  /** Refuses a bad value with a message that names it and the fix (picocli exits 2). */
  void check(CommandLine cl) {
    if (batch <= 0 || batch > 4096) {
      fail(cl, "--batch must be in 1..4096, got " + batch + "; try --batch " + DEFAULT_BATCH);
    }
    if (!(lr > 0) || lr > 1) {
      fail(cl, "--lr must be in (0, 1], got " + lr + "; try --lr " + DEFAULT_LR);
    }
    if (warmup < 0) {
      fail(cl, "--warmup must be >= 0, got " + warmup + "; try --warmup " + DEFAULT_WARMUP);
    }
  }

  private static void fail(CommandLine cl, String message) {
    throw new CommandLine.ParameterException(cl, message);
  }
}
