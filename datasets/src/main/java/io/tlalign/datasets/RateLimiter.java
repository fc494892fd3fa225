package io.tlalign.datasets;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A token bucket: at most {@code rate} permits per second on average, with bursts of at most a
 * tenth of a second's worth (and at least one permit). The unlimited limiter never sleeps.
 *
 * <p>Not thread-safe: one replay loop owns one limiter.
 */
public final class RateLimiter {

  /** Sleeps for a number of nanoseconds; tests pass a fake. */
  @FunctionalInterface
  public interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  private static final RateLimiter UNLIMITED = new RateLimiter(0, 0, null, null);

  private final double nanosPerPermit;
  private final double capacity;
  private final LongSupplier clock;
  private final Sleeper sleeper;
  private double tokens;
  private long last;

  private RateLimiter(double rate, double capacity, LongSupplier clock, Sleeper sleeper) {
    this.nanosPerPermit = rate > 0 ? 1e9 / rate : 0;
    this.capacity = capacity;
    this.clock = clock;
    this.sleeper = sleeper;
    this.tokens = Math.min(1, capacity);
    this.last = clock == null ? 0 : clock.getAsLong();
  }

  /** A limiter that never waits. */
  public static RateLimiter unlimited() {
    return UNLIMITED;
  }

  /** At most {@code rate} permits per second, on the system clock. */
  public static RateLimiter perSecond(double rate) {
    return perSecond(rate, System::nanoTime, RateLimiter::park);
  }

  /** As {@link #perSecond(double)}, with the given clock (nanoseconds) and sleeper. */
  public static RateLimiter perSecond(double rate, LongSupplier clock, Sleeper sleeper) {
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("rate must be a finite number > 0, got " + rate);
    }
    return new RateLimiter(rate, Math.max(1, rate / 10), clock, sleeper);
  }

  /** Parks for {@code nanos}: unlike Thread.sleep(ms, ns) on JDK 17, not rounded up to 1 ms. */
  private static void park(long nanos) throws InterruptedException {
    long end = System.nanoTime() + nanos;
    for (long left = nanos; left > 0; left = end - System.nanoTime()) {
      LockSupport.parkNanos(left);
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted while waiting for the rate limit");
      }
    }
  }

  /** Whether this limiter ever waits. */
  public boolean isLimited() {
    return this != UNLIMITED;
  }

  /** Takes one permit, sleeping until one is available. */
  public void acquire() throws InterruptedException {
    if (this == UNLIMITED) {
      return;
    }
    long now = clock.getAsLong();
    tokens = Math.min(capacity, tokens + (now - last) / nanosPerPermit);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return;
    }
    long wait = (long) Math.ceil((1 - tokens) * nanosPerPermit);
    sleeper.sleepNanos(wait);
    // The permit that accrued while sleeping is the one taken now.
    last = now + wait;
    tokens = 0;
  }
}
