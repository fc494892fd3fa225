package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.FashionMnistSubset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void stepPrintsTheModelThreeModesAndTheRatioLast() {
    int code = run("bench", "step", "--steps", "3", "--batch", "8");
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
  void aZeroBatchIsAUsageErrorNamingIt() {
    int code = run("bench", "step", "--batch", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--batch").contains("got 0").contains("try --batch");
  }

  @Test
  void pipelinePrintsItsRateTheTrainingRateAndTheirRatioLast() {
    int code =
        run(
            "bench",
            "pipeline",
            "--records",
            "3000",
            "--batch",
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
