package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.FashionMnistSubset;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSoakCommandTest extends CommandLineTest {

  @Test
  void aTinySoakReportsEachIntervalAndTheDrift() {
    int code =
        run(
            "bench",
            "soak",
            "--steps",
            "20",
            "--batch-size",
            "16",
            "--report-every",
            "10",
            "--data",
            FashionMnistSubset.folder().toString());
    assertThat(code).as("stderr: %s%nstdout: %s", err, out).isZero();
    List<String> lines = out.toString().lines().toList();
    List<String> reports = lines.stream().filter(l -> l.startsWith("soak: step=")).toList();
    assertThat(reports).as(out.toString()).hasSize(2);
    long previous = 0;
    long[] atLeast = {10, 20};
    for (int i = 0; i < 2; i++) {
      String l = reports.get(i);
      assertThat(l)
          .matches(
              "soak: step=\\d+ rss_mb=\\S+ heap_used_mb=\\S+ heap_committed_mb=\\S+"
                  + " images_per_s=\\S+");
      long step = Long.parseLong(l.replaceAll(".*step=(\\d+).*", "$1"));
      assertThat(step).isGreaterThanOrEqualTo(atLeast[i]).isGreaterThan(previous);
      previous = step;
      assertThat(Double.parseDouble(l.replaceAll(".*rss_mb=(\\S+).*", "$1"))).isPositive();
      assertThat(Double.parseDouble(l.replaceAll(".*heap_used_mb=(\\S+).*", "$1"))).isPositive();
    }
    assertThat(lines)
        .anyMatch(
            l ->
                l.matches(
                    "soak: steps=\\d+ rss_first_report_mb=\\S+ rss_last_mb=\\S+ drift_pct=\\S+"));
    assertThat(lines).anyMatch(l -> l.matches("soak: goal_met=(true|false)"));
  }

  @Test
  void aReportIntervalBeyondTheStepsIsAUsageErrorNamingIt() {
    int code = run("bench", "soak", "--steps", "10", "--report-every", "100");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("--report-every 100")
        .contains("--steps 10")
        .contains("lower --report-every");
  }

  @Test
  void zeroStepsIsAUsageErrorNamingIt() {
    int code = run("bench", "soak", "--steps", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--steps must be > 0, got 0").contains("try --steps");
  }
}
