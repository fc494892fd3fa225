package io.tlalign.datasets;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * The one way tlalign shows progress: on a terminal a line redrawn in place with {@code \r} at most
 * five times a second; elsewhere (a log file, CI) a plain line every 10 seconds. The replay's bar
 * and the training runs' step line ({@code demo}, {@code experiment}, {@code train}) each say what
 * the line holds; this class decides when and how it reaches the screen.
 */
public final class ProgressPrinter {

  private static final long IN_PLACE_PERIOD = 200_000_000L;
  private static final long LINE_PERIOD = 10_000_000_000L;
  private static final long NEVER = Long.MIN_VALUE;

  private final PrintWriter out;
  private final boolean inPlace;
  private final LongSupplier clock;
  private long lastDraw = NEVER;
  private int lastLength;

  /**
   * @param out where to draw (stderr)
   * @param inPlace whether {@code out} is a terminal that understands {@code \r}
   * @param clock nanoseconds, for throttling
   */
  public ProgressPrinter(PrintWriter out, boolean inPlace, LongSupplier clock) {
    this.out = out;
    this.inPlace = inPlace;
    this.clock = clock;
  }

  /** Whether lines are redrawn in place. */
  public boolean inPlace() {
    return inPlace;
  }

  /**
   * Whether a period has passed since the last line (or the clock's restart), or none was drawn.
   */
  public synchronized boolean due() {
    return lastDraw == NEVER
        || clock.getAsLong() - lastDraw >= (inPlace ? IN_PLACE_PERIOD : LINE_PERIOD);
  }

  /** Starts the period now without drawing: the first plain line comes one period later. */
  public synchronized void restartClock() {
    lastDraw = clock.getAsLong();
  }

  /** Draws {@code line} now: over the previous one in place, else as a new line. */
  public synchronized void draw(String line) {
    lastDraw = clock.getAsLong();
    if (inPlace) {
      out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
      lastLength = line.length();
    } else {
      out.println(line);
    }
    out.flush();
  }

  /** Prints {@code message} on a line of its own, clearing a line drawn in place first. */
  public synchronized void printAbove(String message) {
    if (inPlace && lastLength > 0) {
      out.print("\r" + " ".repeat(lastLength) + "\r");
      lastLength = 0;
    }
    out.println(message);
    out.flush();
  }

  /** Ends a line drawn in place, so that what follows starts on a line of its own; idempotent. */
  public synchronized void finish() {
    if (inPlace && lastLength > 0) {
      out.println();
      out.flush();
      lastLength = 0;
    }
  }
}
