package io.tlalign.datasets;

import java.time.Duration;
import java.util.Locale;

/**
 * What a replay did.
 *
 * @param records records the broker acknowledged
 * @param failed images that could not be read or were too large, each reported and skipped
 * @param topic where the records went
 * @param elapsed from the first read to the final flush (topic creation not included)
 */
public record ReplaySummary(long records, long failed, String topic, Duration elapsed) {

  /** Acknowledged records per second. */
  public double rate() {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds > 0 ? records / seconds : 0;
  }

  /** e.g. {@code replay: records=60000 failed=0 topic=images.train elapsed=12.3s rate=4878/s}. */
  public String line() {
    return String.format(
        Locale.ROOT,
        "replay: records=%d failed=%d topic=%s elapsed=%.1fs rate=%.0f/s",
        records,
        failed,
        topic,
        elapsed.toNanos() / 1e9,
        rate());
  }
}
