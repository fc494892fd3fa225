package io.tlalign.job.train;

import java.util.function.LongSupplier;

/**
 * Images per second over windows of at least one second of wall-clock time, idle time included: the
 * rate the stream is trained at now, not the mean since the start. Reported only; nothing in the
 * math reads it.
 */
public final class ThroughputWindow {

  /** The shortest window a rate is computed over. */
  public static final long WINDOW_NANOS = 1_000_000_000L;

  private final LongSupplier nanoClock;
  private long windowStart;
  private long windowImages;
  private double imagesPerSecond;

  /** Starts the first window now; {@code nanoClock} is {@link System#nanoTime} in operators. */
  public ThroughputWindow(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.windowStart = nanoClock.getAsLong();
  }

  /** Counts {@code images} just processed; closes the window once it spans over a second. */
  public void add(int images) {
    windowImages += images;
    long now = nanoClock.getAsLong();
    if (now - windowStart > WINDOW_NANOS) {
      imagesPerSecond = windowImages * 1e9 / (now - windowStart);
      windowStart = now;
      windowImages = 0;
    }
  }

  /** The rate of the last closed window; 0 until one closes. */
  public double imagesPerSecond() {
    return imagesPerSecond;
  }
}
