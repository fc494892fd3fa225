package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.settings.TlAlignOptions;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** The exchange and stall-warning settings read from the job's options. */
class SyncSettingsTest {

  @Test
  void theExchangeIsShardedUnlessBroadcastIsAskedForAndAnUnknownOneIsNamed() {
    Configuration c = new Configuration();
    c.set(TlAlignOptions.REPLICAS, 3);
    assertThat(SyncSettings.from(c).exchange()).isEqualTo(SyncExchange.SHARDED);
    c.set(TlAlignOptions.SYNC_EXCHANGE, "broadcast");
    assertThat(SyncSettings.from(c).exchange()).isEqualTo(SyncExchange.BROADCAST);
    c.set(TlAlignOptions.SYNC_EXCHANGE, "ring");
    assertThatThrownBy(() -> SyncSettings.from(c))
        .hasMessageContaining("tlalign.sync.exchange = \"ring\"")
        .hasMessageContaining("use sharded")
        .hasMessageContaining("or broadcast");
  }

  @Test
  void theStallWarningDefaultsToAMinuteOrFourCheckpointIntervals() {
    Configuration c = new Configuration();
    c.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(5));
    assertThat(SyncSettings.from(c).stallWarnMs()).isEqualTo(60_000);
    c.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(30));
    assertThat(SyncSettings.from(c).stallWarnMs()).isEqualTo(120_000);
    c.set(TlAlignOptions.SYNC_STALL_WARN, Duration.ofSeconds(7));
    assertThat(SyncSettings.from(c).stallWarnMs()).isEqualTo(7_000);
  }
}
