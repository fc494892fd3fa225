package io.tlalign.local.demo;

import io.tlalign.local.MetricsMonitor;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The live progress line on stderr: redrawn in place with {@code \r} at most twice a second on a
 * terminal, otherwise printed as a new line every 10 seconds.
 */
public final class ProgressLine {

  private final PrintStream err;
  private final String label;
  private final boolean terminal;
  private final long totalSteps;
  private final long minIntervalNanos;
  private long lastPrint = Long.MIN_VALUE;
  private int lastLength;

  /** {@code label} starts each line, as in {@code "demo: step 10/900 ..."}. */
  public ProgressLine(PrintStream err, String label, boolean terminal, long totalSteps) {
    this.err = err;
    this.label = label;
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
    String line = format(label, r, totalSteps, etaSeconds);
    if (terminal) {
      int pad = Math.max(0, lastLength - line.length());
      err.print("\r" + line + " ".repeat(pad));
      lastLength = line.length();
    } else {
      err.println(line);
    }
    err.flush();
  }

  /**
   * Drives this line from a run's metrics: the rate shown is the recent one, the ETA comes from the
   * mean rate since the first metric.
   */
  public MetricsMonitor.Listener listener(int batch) {
    return (m, recent, mean) -> {
      MetricRow row = MetricRow.of(m);
      double eta = mean > 0 ? (totalSteps - row.step()) * (double) batch / mean : Double.NaN;
      update(
          Double.isNaN(recent) ? row : row.withImagesPerSecond(recent),
          eta,
          row.step() >= totalSteps);
    };
  }

  /** Ends a redrawn line, so that what follows starts on a fresh line. */
  public synchronized void finish() {
    if (terminal && lastLength > 0) {
      err.println();
      lastLength = 0;
    }
  }

  /** The line's text. */
  public static String format(String label, MetricRow r, long totalSteps, double etaSeconds) {
    return String.format(
        Locale.ROOT,
        "%s: step %d/%d  loss %.4f  %.0f images/s  ETA %s  mean lambda %.3f vs mean aligned"
            + " share %.3f",
        label,
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
