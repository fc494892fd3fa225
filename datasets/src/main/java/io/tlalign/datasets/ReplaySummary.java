package io.tlalign.datasets;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a replay did.
 *
 * @param records records the broker acknowledged
 * @param failed images and files that were not sent (unreadable, not PNG or JPEG, too large), each
 *     reported and skipped
 * @param topic where the records went
 * @param elapsed from the first read to the final flush (topic creation not included)
 * @param failedBy the failed ones by reason
 */
public record ReplaySummary(
    long records, long failed, String topic, Duration elapsed, Map<SkipReason, Long> failedBy) {

  public ReplaySummary {
    failedBy = failedBy.isEmpty() ? Map.of() : new EnumMap<>(failedBy);
  }

  /** A summary without reasons. */
  public ReplaySummary(long records, long failed, String topic, Duration elapsed) {
    this(records, failed, topic, elapsed, Map.of());
  }

  /** Acknowledged records per second. */
  public double rate() {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds > 0 ? records / seconds : 0;
  }

  /**
   * e.g. {@code replay: records=60000 failed=0 topic=images.train elapsed=12.3s rate=4878/s}, then
   * the count of each reason that occurred, e.g. {@code unreadable=1 not_png_or_jpeg=2}.
   */
  public String line() {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "replay: records=%d failed=%d topic=%s elapsed=%.1fs rate=%.0f/s",
                records,
                failed,
                topic,
                elapsed.toNanos() / 1e9,
                rate()));
    failedBy.forEach((reason, n) -> b.append(' ').append(reason.key()).append('=').append(n));
    return b.toString();
  }
}
