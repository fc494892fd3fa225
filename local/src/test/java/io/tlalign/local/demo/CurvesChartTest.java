package io.tlalign.local.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.local.AccuracyCurve;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvesChartTest {

  @TempDir Path dir;

  @Test
  void rendersAPngOfTheExpectedSizeThatIsNotBlank() throws Exception {
    List<MetricRow> rows = new ArrayList<>();
    for (int s = 10; s <= 300; s += 10) {
      rows.add(new MetricRow(s, 2.3 * Math.exp(-s / 150.0) + 0.4, 1e-3, 300, 0.5, 0.52));
    }
    Path png = dir.resolve("curves.png");

    List<AccuracyCurve.Point> curve = new ArrayList<>();
    for (int s = 50; s <= 300; s += 50) {
      curve.add(new AccuracyCurve.Point(s, 0.8 - 0.5 * Math.exp(-s / 100.0)));
    }

    CurvesChart.write(png, rows, curve, 0.81, "known data");

    assertThat(png).exists();
    assertThat(Files.size(png)).isGreaterThan(1000);
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img).as("decodes as an image").isNotNull();
    assertThat(img.getWidth()).isEqualTo(CurvesChart.WIDTH);
    assertThat(img.getHeight()).isEqualTo(CurvesChart.HEIGHT);
    Set<Integer> colors = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        colors.add(img.getRGB(x, y));
      }
    }
    assertThat(colors.size()).as("distinct pixel colours").isGreaterThan(1);
  }

  @Test
  void rendersWithoutATestAccuracy() throws Exception {
    Path png = dir.resolve("loss-only.png");
    CurvesChart.write(
        png, List.of(new MetricRow(1, 2.3, 1e-3, 100, 0.5, 0.5)), List.of(), Double.NaN, "t");
    assertThat(ImageIO.read(png.toFile())).isNotNull();
  }
}
