package io.tlalign.job.sync;

import io.tlalign.job.settings.TlAlignOptions;
import java.util.Locale;

/** How the contributions of a round meet ({@code tlalign.sync.exchange}). */
public enum SyncExchange {
  /** Every replica reads every whole contribution from one partition and averages it itself. */
  BROADCAST,
  /**
   * Reduce-scatter then all-gather: replica s reduces shard s of every contribution and publishes
   * the reduced shard to all.
   */
  SHARDED;

  /**
   * The exchange an option value names.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static SyncExchange parse(String value) {
    for (SyncExchange e : values()) {
      if (e.name().toLowerCase(Locale.ROOT).equals(value)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        TlAlignOptions.SYNC_EXCHANGE.key()
            + " = \""
            + value
            + "\" is not an exchange; use sharded (reduce-scatter, all-gather) or broadcast");
  }

  /** The option value. */
  public String optionValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
