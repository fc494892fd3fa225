package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tlalign.cli.Main;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tlalign experiment} end to end, small: its own broker (child process), one replay of real
 * Fashion-MNIST, six runs of the real job (three methods, two seeds), the report files, and a last
 * line whose figures agree with the per-run CSV (recomputed here).
 */
class ExperimentITCase {

  private static final int SEEDS = 2;
  private static final int BATCH = 64;
  private static final int STEPS = 20; // 1,280 images per run
  private static final int METRICS_EVERY = 10; // the largest divisor of 20 up to 10

  @TempDir Path out;

  @Test
  void comparesTheThreeMethodsOverSeedsThroughTheRealJob() throws Exception {
    StringWriter stdout = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(stdout, true));
    int exit =
        cl.execute(
            "experiment",
            "--seeds",
            "" + SEEDS,
            "--epochs",
            "1",
            "--limit",
            "" + STEPS * BATCH,
            "--batch-size",
            "" + BATCH,
            "--curve-images",
            "500",
            "--data",
            FashionMnistFiles.DIR.toAbsolutePath().toString(),
            "--out",
            out.toString());
    assertThat(exit).as(stdout.toString()).isZero();

    List<String> lines = stdout.toString().lines().toList();
    String last = lines.get(lines.size() - 1);
    Matcher m =
        Pattern.compile("experiment: none=(\\S+)±(\\S+) cutmix=(\\S+)±(\\S+) tlalign=(\\S+)±(\\S+)")
            .matcher(last);
    assertThat(m.matches()).as(last).isTrue();

    Path runDir;
    try (Stream<Path> s = Files.list(out)) {
      runDir = s.findFirst().orElseThrow();
    }
    // The frameworks' log lines went to the run folder, the broker's to its own file there.
    assertThat(Files.readString(runDir.resolve("experiment.log"), StandardCharsets.UTF_8))
        .contains("org.apache.flink.runtime.minicluster.MiniCluster");
    assertThat(runDir.resolve("broker").resolve("server.log")).isNotEmptyFile();
    List<String> csv = Files.readAllLines(runDir.resolve("experiment.csv"));
    assertThat(csv).hasSize(1 + 3 * SEEDS);
    String[] methods = {"none", "cutmix", "tlalign"};
    for (int i = 0; i < methods.length; i++) {
      List<Double> acc = new ArrayList<>();
      for (String row : csv.subList(1, csv.size())) {
        String[] f = row.split(",");
        if (f[0].equals(methods[i])) {
          acc.add(Double.parseDouble(f[2]));
          assertThat(Long.parseLong(f[3])).as("steps of " + row).isEqualTo(STEPS);
          assertThat(Double.parseDouble(f[2])).as("accuracy of " + row).isBetween(0.0, 1.0);
        }
      }
      assertThat(acc).hasSize(SEEDS);
      double mean = (acc.get(0) + acc.get(1)) / 2;
      double sd = Math.abs(acc.get(0) - acc.get(1)) / Math.sqrt(2); // n - 1 = 1
      assertThat(Double.parseDouble(m.group(2 * i + 1))).isCloseTo(mean, within(5e-5));
      assertThat(Double.parseDouble(m.group(2 * i + 2))).isCloseTo(sd, within(5e-5));
    }

    String md = Files.readString(runDir.resolve("experiment.md"), StandardCharsets.UTF_8);
    assertThat(md).contains("| none |").contains("| cutmix |").contains("| tlalign |");
    // Every reported step carries one share per image: seeds x reported steps x batch.
    int shares = SEEDS * (STEPS / METRICS_EVERY) * BATCH;
    assertThat(md).contains(String.format(Locale.ROOT, "Over %d images", shares));
    assertThat(md).doesNotContain("GENERATED");

    BufferedImage png = ImageIO.read(runDir.resolve("experiment.png").toFile());
    assertThat(png.getWidth()).isEqualTo(1000);
    assertThat(png.getHeight()).isEqualTo(1040);

    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      assertThat(s.map(p -> p.getFileName().toString()))
          .as("no temp folder left behind")
          .noneMatch(n -> n.startsWith("tlalign-experiment-"));
    }
  }
}
