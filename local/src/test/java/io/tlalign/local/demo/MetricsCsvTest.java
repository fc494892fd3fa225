package io.tlalign.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {

  @TempDir Path dir;

  @Test
  void writesAHeaderThenOneLinePerMetricInOrder() throws Exception {
    Path csv = dir.resolve("metrics.csv");
    MetricsCsv.write(
        csv,
        List.of(
            new MetricRow(10, 2.25, 0.002, 301.5, 0.5, 0.625),
            new MetricRow(20, 1.5, 0.001, 310.0, 0.75, 0.7),
            new MetricRow(30, Double.NaN, 0.0005, 305.25, 0.25, 0.3)));

    List<String> lines = Files.readAllLines(csv);
    assertThat(lines)
        .containsExactly(
            "step,loss,lr,images_per_s,mean_lambda,mean_aligned_share_a",
            "10,2.25000,0.00200000,301.500,0.500000,0.625000",
            "20,1.50000,0.00100000,310.000,0.750000,0.700000",
            "30,,0.000500000,305.250,0.250000,0.300000");
    for (String line : lines) {
      assertThat(line.split(",", -1)).hasSize(6);
    }
  }

  @Test
  void writesOnlyTheHeaderForNoMetrics() throws Exception {
    Path csv = dir.resolve("empty.csv");
    MetricsCsv.write(csv, List.of());
    assertThat(Files.readAllLines(csv)).containsExactly(MetricsCsv.HEADER);
  }
}
