package io.tlalign.local.demo;

import io.tlalign.datasets.ProgressPrinter;
import io.tlalign.local.MetricsMonitor;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The training runs' progress line ({@code demo}, {@code experiment}, {@code train}): step, loss,
 * rate, ETA and the mean lambda against the mean aligned share, shown by a {@link ProgressPrinter}
 * (redrawn in place on a terminal, a plain line every 10 seconds elsewhere).
 */
public final class ProgressLine {

  private final ProgressPrinter printer;
  private final String label;
  private final long totalSteps;

  /** {@code label} starts each line, as in {@code "demo: step 10/900 ..."}. */
  public ProgressLine(PrintStream err, String label, boolean terminal, long totalSteps) {
    this(
        new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8)),
        label,
        terminal,
        totalSteps);
  }

  /** As above, onto a writer. */
  public ProgressLine(PrintWriter err, String label, boolean terminal, long totalSteps) {
    this.printer = new ProgressPrinter(err, terminal, System::nanoTime);
    this.label = label;
    this.totalSteps = totalSteps;
  }

  /** Shows {@code r} if the printer's period has passed (or {@code force}). */
  public void update(MetricRow r, double etaSeconds, boolean force) {
    if (force || printer.due()) {
      printer.draw(format(label, r, totalSteps, etaSeconds));
    }
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
  public void finish() {
    printer.finish();
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
