package io.tlalign.datasets;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The replay's progress bar: records done/total, rate and ETA, shown by a {@link ProgressPrinter}
 * (in place on a terminal, a plain line every 10 seconds elsewhere). Skipped images get a line of
 * their own.
 */
public final class ProgressBar implements ProgressListener {

  private static final int BAR_WIDTH = 24;

  private final ProgressPrinter printer;
  private final LongSupplier clock;
  private String topic = "";
  private long started;
  private long done;
  private long total;
  private long failed;

  /**
   * @param out where to draw (stderr)
   * @param inPlace whether {@code out} is a terminal that understands {@code \r}
   * @param clock nanoseconds, for rate, ETA and throttling
   */
  public ProgressBar(PrintWriter out, boolean inPlace, LongSupplier clock) {
    this.printer = new ProgressPrinter(out, inPlace, clock);
    this.clock = clock;
  }

  /** On stderr of this process; in place when there is a console. */
  public static ProgressBar onStderr() {
    return new ProgressBar(
        new PrintWriter(System.err, true), System.console() != null, System::nanoTime);
  }

  @Override
  public void onStart(String topic, long total) {
    this.topic = topic;
    this.total = total;
    this.started = clock.getAsLong();
    if (printer.inPlace()) {
      printer.draw(render());
    } else {
      printer.restartClock();
    }
  }

  @Override
  public void onProgress(long done, long total, long failed) {
    this.done = done;
    this.total = total;
    this.failed = failed;
    if (printer.due()) {
      printer.draw(render());
    }
  }

  @Override
  public void onSkipped(String imageId, String reason) {
    printer.printAbove("replay: skipped " + imageId + ": " + reason);
  }

  @Override
  public void onFinish(ReplaySummary summary) {
    if (printer.inPlace()) {
      printer.draw(render());
      printer.finish();
    }
  }

  /**
   * Ends the bar's line when a replay stops without finishing, so that an error message that
   * follows starts on a line of its own.
   */
  public void abandon() {
    printer.finish();
  }

  /** The current line, without {@code \r}. */
  String render() {
    double seconds = (clock.getAsLong() - started) / 1e9;
    double rate = seconds > 0 ? done / seconds : 0;
    double fraction = total > 0 ? Math.min(1, (double) done / total) : 1;
    int filled = (int) Math.round(fraction * BAR_WIDTH);
    String eta = rate > 0 ? clockTime((total - done) / rate) : "--:--";
    return String.format(
        Locale.ROOT,
        "replay %s [%s%s] %5.1f%% %d/%d %.0f/s ETA %s%s",
        topic,
        "#".repeat(filled),
        "-".repeat(BAR_WIDTH - filled),
        fraction * 100,
        done,
        total,
        rate,
        eta,
        failed > 0 ? " failed " + failed : "");
  }

  static String clockTime(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
