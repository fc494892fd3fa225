package io.tlalign.pipeline.demo;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The live progress line on stderr: redrawn in place with {@code \r} at most twice a second on a
 * terminal, otherwise printed as a new line every 10 seconds.
 */
public final class ProgressLine {

  private final PrintStream err;
  private final boolean terminal;
  private final long totalSteps;
  private final long minIntervalNanos;
  private long lastPrint = Long.MIN_VALUE;
  private int lastLength;

  public ProgressLine(PrintStream err, boolean terminal, long totalSteps) {
    this.err = err;
    this.terminal = terminal;
    this.totalSteps = totalSteps;
    this.minIntervalNanos = terminal ? 500_000_000L : 10_000_000_000L;
  }

  /** Shows {@code r} if the interval since the last print has passed (or {@code force}). */
  public synchronized void update(MetricRow r, double etaSeconds, boolean force) {
    long now = System.nanoTime();
    if (!force && lastPrint != Long.MIN_VALUE && now - lastPrint < minIntervalNanos) {
      return;
    }
    lastPrint = now;
    String line = format(r, totalSteps, etaSeconds);
    if (terminal) {
      int pad = Math.max(0, lastLength - line.length());
      err.print("\r" + line + " ".repeat(pad));
      lastLength = line.length();
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** Ends a redrawn line, so that what follows starts on a fresh line. */
  public synchronized void finish() {
    if (terminal && lastLength > 0) {
      err.println();
      lastLength = 0;
    }
  }

  /** The line's text. */
  public static String format(MetricRow r, long totalSteps, double etaSeconds) {
    return String.format(
        Locale.ROOT,
        "demo: step %d/%d  loss %.4f  %.0f images/s  ETA %s  mean lambda %.3f vs mean aligned"
            + " share %.3f",
        r.step(),
        totalSteps,
        r.loss(),
        r.imagesPerSecond(),
        eta(etaSeconds),
        r.meanLambda(),
        r.meanAlignedShareA());
  }

  static String eta(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds) || seconds < 0) {
      return "--:--";
    }
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
