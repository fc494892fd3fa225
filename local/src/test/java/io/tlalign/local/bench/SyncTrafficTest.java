package io.tlalign.local.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.datasets.FashionMnistSubset;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.sync.SyncExchange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** The {@code scale: traffic} line, checked against figures computed by hand. */
class SyncTrafficTest {

  @Test
  void perReplicaFiguresAreMeansPerExchangedRoundInUnitsOfM() {
    // Two replicas, 4 rounds exchanged, M = 1,000,000 bytes:
    // out: (4.4e6 + 4.6e6) / 2 / 4 = 1.125e6 per replica and round, 1.125 M;
    // in: (8.0e6 + 8.4e6) / 2 / 4 = 2.05e6, 2.05 M; broker: 9.2e6 / 4 = 2.3e6, 2.3 M.
    SyncTraffic t =
        SyncTraffic.of(
            List.of(
                "replica=0 bytes_out=4400000 bytes_in=8000000 rounds=3",
                "replica=1 bytes_out=4600000 bytes_in=8400000 rounds=3"),
            new SyncTopicTally(3, 9_200_000, 4),
            1_000_000);
    assertThat(t.line("sharded"))
        .isEqualTo(
            "scale: traffic replicas=2 exchange=sharded rounds=3 exchanged_rounds=4"
                + " M_bytes=1000000 out_per_round_MB=1.125 in_per_round_MB=2.050"
                + " out_over_M=1.125 in_over_M=2.050 broker_in_over_M=2.300");
  }

  @Test
  void replicasThatAppliedDifferentRoundCountsShowTheRange() {
    SyncTraffic t =
        SyncTraffic.of(
            List.of(
                "replica=0 bytes_out=10 bytes_in=10 rounds=5",
                "replica=1 bytes_out=10 bytes_in=10 rounds=4"),
            new SyncTopicTally(1, 20, 5),
            4);
    assertThat(t.line("broadcast")).contains(" rounds=4-5 exchanged_rounds=5 ");
  }

  @Test
  void aLineWithoutItsNumbersIsRefusedNamingIt() {
    assertThatThrownBy(
            () ->
                SyncTraffic.of(
                    List.of("replica=0 bytes_out=x bytes_in=1 rounds=1"),
                    new SyncTopicTally(1, 1, 1),
                    4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("replica=0 bytes_out=x")
        .hasMessageContaining("bytes_out=N");
    assertThatThrownBy(() -> SyncTraffic.of(List.of(), new SyncTopicTally(1, 1, 1), 4))
        .hasMessageContaining("no replica's sync traffic");
  }

  @Test
  void theChosenExchangeReachesTheJobConfiguration() {
    for (SyncExchange e : SyncExchange.values()) {
      ScaleBenchmark bench = new ScaleBenchmark(options(e));
      Configuration conf = bench.configuration("localhost:1", "t", Path.of("w"), "r", 8, false);
      assertThat(conf.get(TlAlignOptions.SYNC_EXCHANGE)).isEqualTo(e.optionValue());
      assertThat(conf.get(TlAlignOptions.REPLICAS)).isEqualTo(8);
    }
  }

  private static ScaleBenchmark.Options options(SyncExchange exchange) {
    return new ScaleBenchmark.Options(
        List.of(8),
        5120,
        32,
        2,
        1,
        Duration.ofMillis(500),
        1000,
        false,
        false,
        FashionMnistSubset.folder(),
        0,
        List.of(),
        32,
        exchange);
  }
}
