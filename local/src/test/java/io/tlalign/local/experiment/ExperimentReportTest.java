package io.tlalign.local.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.local.LocalRunConfig;
import io.tlalign.model.train.TargetMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentReportTest {

  @TempDir Path dir;

  @Test
  void theTableHoldsMeanAndSpreadPerMethodAndTheLastLineMatches() {
    ExperimentRun.Result r = ExperimentChartTest.knownResult(dir);
    ExperimentRun.Options o =
        new ExperimentRun.Options(
            List.of(TargetMode.NONE, TargetMode.CUTMIX, TargetMode.TLALIGN),
            3,
            3,
            0,
            2000,
            null,
            dir,
            false,
            new LocalRunConfig("vit-tiny-fm", 128, 2e-3, 100, false, 1, null));
    String md =
        ExperimentReport.markdown(
            r, new ExperimentReport.Setup("known data", false, o, 1000, 10_000, Duration.ZERO));

    // Seeds 0, 1, 2 add 0.00, 0.01, 0.02: mean ceiling + 0.01, sd 0.01 -> 1.00 points.
    assertThat(md).contains("| none | 86.00% ± 1.00 |");
    assertThat(md).contains("| cutmix | 87.00% ± 1.00 |");
    assertThat(md).contains("| tlalign | 88.00% ± 1.00 |");
    assertThat(md).contains("101.0 s"); // mean of 100, 101, 102 s
    assertThat(md).contains("experiment.png");
    assertThat(md).contains("Over 1500 images");
    assertThat(r.lastLine())
        .isEqualTo("experiment: none=0.8600±0.0100 cutmix=0.8700±0.0100 tlalign=0.8800±0.0100");
  }

  @Test
  void theCsvHasOneRowPerRun() {
    String csv = ExperimentReport.csv(ExperimentChartTest.knownResult(dir));
    assertThat(csv.lines()).hasSize(10);
    assertThat(csv.lines().skip(1).findFirst()).contains("none,0,0.850000,1000,100.000,500.000");
  }
}
