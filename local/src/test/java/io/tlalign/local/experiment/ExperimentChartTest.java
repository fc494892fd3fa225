package io.tlalign.local.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tlalign.local.AccuracyCurve;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentChartTest {

  @TempDir Path dir;

  static RunResult run(String method, long seed, double ceiling) {
    List<AccuracyCurve.Point> curve = new ArrayList<>();
    for (int s = 100; s <= 1000; s += 100) {
      curve.add(new AccuracyCurve.Point(s, ceiling - 0.5 * Math.exp(-s / 300.0) + 0.01 * seed));
    }
    float[] diffs = new float[500];
    for (int i = 0; i < diffs.length; i++) {
      diffs[i] = (float) (0.1 * Math.sin(i * 0.37 + seed));
    }
    return new RunResult(
        method,
        seed,
        ceiling + 0.01 * seed,
        curve,
        Duration.ofSeconds(100 + seed),
        500,
        1000,
        method.equals("none") ? new float[0] : diffs);
  }

  static ExperimentRun.Result knownResult(Path dir) {
    List<RunResult> runs = new ArrayList<>();
    for (int seed = 0; seed < 3; seed++) {
      runs.add(run("none", seed, 0.85));
      runs.add(run("cutmix", seed, 0.86));
      runs.add(run("tlalign", seed, 0.87));
    }
    return new ExperimentRun.Result(
        runs, dir.resolve("experiment.md"), dir.resolve("experiment.png"), false);
  }

  @Test
  void rendersCurvesWithBandsAndTheHistogramIntoOnePng() throws Exception {
    Path png = dir.resolve("experiment.png");
    ExperimentChart.write(png, knownResult(dir), 1000);

    assertThat(Files.size(png)).isGreaterThan(5_000);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).isNotNull();
    assertThat(img.getWidth()).isEqualTo(ExperimentChart.WIDTH);
    assertThat(img.getHeight()).isEqualTo(2 * ExperimentChart.CHART_HEIGHT);
    for (int half = 0; half < 2; half++) {
      Set<Integer> colors = new HashSet<>();
      for (int y = half * ExperimentChart.CHART_HEIGHT;
          y < (half + 1) * ExperimentChart.CHART_HEIGHT;
          y += 2) {
        for (int x = 0; x < img.getWidth(); x += 2) {
          colors.add(img.getRGB(x, y));
        }
      }
      assertThat(colors.size()).as("distinct colours in chart " + half).isGreaterThan(10);
    }
  }

  @Test
  void interpolatesLinearlyAndClampsAtTheEnds() {
    List<AccuracyCurve.Point> c =
        List.of(new AccuracyCurve.Point(100, 0.5), new AccuracyCurve.Point(300, 0.9));
    assertThat(ExperimentChart.interpolate(c, 200)).isCloseTo(0.7, within(1e-12));
    assertThat(ExperimentChart.interpolate(c, 150)).isCloseTo(0.6, within(1e-12));
    assertThat(ExperimentChart.interpolate(c, 50)).isEqualTo(0.5);
    assertThat(ExperimentChart.interpolate(c, 400)).isEqualTo(0.9);
  }

  @Test
  void theGridSpansWhatEverySeedCovers() {
    List<AccuracyCurve.Point> a =
        List.of(new AccuracyCurve.Point(100, 0.5), new AccuracyCurve.Point(1000, 0.9));
    List<AccuracyCurve.Point> b =
        List.of(new AccuracyCurve.Point(150, 0.5), new AccuracyCurve.Point(1000, 0.9));
    double[] g = ExperimentChart.grid(List.of(a, b), 1000);
    assertThat(g).hasSize(ExperimentChart.GRID);
    assertThat(g[0]).isEqualTo(150);
    assertThat(g[g.length - 1]).isEqualTo(1000);
  }
}
