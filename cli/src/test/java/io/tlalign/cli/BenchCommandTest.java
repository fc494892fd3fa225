package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.FashionMnistSubset;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchCommandTest extends CommandLineTest {

  @Test
  void stepPrintsTheModelThreeModesAndTheRatioLast() {
    int code = run("bench", "step", "--steps", "3", "--batch-size", "8");
    assertThat(code).as("stderr: %s", err).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines)
        .anyMatch(
            l ->
                l.startsWith("model: name=vit-tiny-fm image=28x28 channels=1 patch=4 dim=64")
                    && l.endsWith(" params=139018"));
    for (String mode : new String[] {"none", "cutmix", "tlalign"}) {
      String line =
          lines.stream().filter(l -> l.startsWith("mode=" + mode + " ")).findFirst().orElseThrow();
      double ips = Double.parseDouble(line.replaceAll(".*images_per_s=(\\S+).*", "$1"));
      assertThat(ips).isPositive().isFinite();
    }
    String last = lines.get(lines.size() - 1);
    assertThat(last).matches("tlalign_over_cutmix=\\d+\\.\\d{3}");
    assertThat(Double.parseDouble(last.substring(last.indexOf('=') + 1))).isPositive();
  }

  @Test
  void stepPrintsTheBlasPathTheFlopsAndEachModesShareOfTheSgemmPeak() {
    int code = run("bench", "step", "--steps", "2", "--batch", "8", "--warmup", "1");
    assertThat(code).as("stderr: %s", err).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0)).matches("blas: blas=(mkl-vendor-fix|default|mkl-generic) \\(.*\\)");
    // --batch, the old name of --batch-size, sets the batch.
    assertThat(lines).anyMatch(l -> l.startsWith("config: ") && l.contains(" batch=8 "));
    String flops = lines.stream().filter(l -> l.startsWith("flops: ")).findFirst().orElseThrow();
    // vit-tiny-fm: 3 x 2 x 7,886,464 multiply-adds per image (VitFlopsTest counts them by hand).
    assertThat(flops).startsWith("flops: training_gflop_per_image=0.0473 (3 x forward 0.0158)");
    double peak = Double.parseDouble(flops.replaceAll(".*sgemm_1t_gflops=(\\S+) .*", "$1"));
    assertThat(peak).isPositive();
    String tlalign =
        lines.stream().filter(l -> l.startsWith("mode=tlalign ")).findFirst().orElseThrow();
    double ips = Double.parseDouble(tlalign.replaceAll(".*images_per_s=(\\S+) .*", "$1"));
    double gflops = Double.parseDouble(tlalign.replaceAll(".*gflops=(\\S+) .*", "$1"));
    double share = Double.parseDouble(tlalign.replaceAll(".*share_of_1t_peak=(\\S+)$", "$1"));
    assertThat(gflops).isCloseTo(ips * 0.0473, org.assertj.core.data.Percentage.withPercentage(2));
    assertThat(share).isCloseTo(gflops / peak, org.assertj.core.data.Offset.offset(0.011));
  }

  @Test
  void gemmPrintsTheBlasPathEachThreadCountAndTheOneThreadPeakLast() {
    int code = run("bench", "gemm", "--threads", "1,2", "--reps", "3", "--m", "256");
    assertThat(code).as("stderr: %s", err).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.get(0)).startsWith("blas: blas=");
    for (int t : new int[] {1, 2}) {
      assertThat(lines)
          .anyMatch(
              l ->
                  l.matches(
                      "gemm: threads="
                          + t
                          + " m=256 k=192 n=576 median_ms=\\d+\\.\\d{3} gflops=\\d+\\.\\d"
                          + " spread_ms=.*"));
    }
    String last = lines.get(lines.size() - 1);
    assertThat(last).matches("gemm_peak_1t_gflops=\\d+\\.\\d");
    assertThat(Double.parseDouble(last.substring(last.indexOf('=') + 1))).isPositive();
    assertThat(run("bench", "gemm", "--threads", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("thread counts must be > 0");
  }

  @Test
  void anUnknownSyncRuleOrVariantIsAUsageErrorNamingItAndTheChoices() {
    assertThat(run("bench", "scale", "--rules", "sometimes")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--rules")
        .contains("\"sometimes\"")
        .contains("use replace (the default), delta, updates or gradients");
    assertThat(run("bench", "sync-rules", "--variants", "replace:10")).isEqualTo(2);
    assertThat(err.toString()).contains("variant \"replace:10\"").contains("replace:K:S");
  }

  @Test
  void anUnknownExchangeIsAUsageErrorNamingItAndTheChoices() {
    assertThat(run("bench", "scale", "--exchange", "ring")).isEqualTo(2);
    assertThat(err.toString()).contains("--exchange is \"ring\"; use sharded or broadcast");
    assertThat(out.toString()).doesNotContain("scale: images=");
  }

  @Test
  void aZeroBatchIsAUsageErrorNamingIt() {
    int code = run("bench", "step", "--batch-size", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("--batch-size")
        .contains("got 0")
        .contains("try --batch-size");
  }

  @Test
  void pipelinePrintsItsRateTheTrainingRateAndTheirRatioLast() {
    int code =
        run(
            "bench",
            "pipeline",
            "--records",
            "3000",
            "--batch-size",
            "64",
            "--training-steps",
            "2",
            "--data",
            FashionMnistSubset.folder().toString());
    assertThat(code).as(err.toString()).isZero();
    var lines = out.toString().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0))
        .matches("pipeline: records=3000 seconds=\\S+ records_per_s_per_core=\\d+ batches=\\d+");
    // 3,000 records in batches of 64 make 46 full batches.
    assertThat(lines.get(0)).endsWith("batches=46");
    assertThat(lines.get(1))
        .matches("training: model=vit-tiny-fm batch=64 threads=1 images_per_s=\\d+");
    assertThat(Double.parseDouble(lines.get(2).replace("pipeline_over_training=", "")))
        .isPositive();
  }

  @Test
  void pipelineRefusesMoreTrainingStepsThanTheRecordsAllow() {
    int code = run("bench", "pipeline", "--records", "100", "--training-steps", "5");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--training-steps 5").contains("raise --records");
  }
}
