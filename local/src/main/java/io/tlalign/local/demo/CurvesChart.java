package io.tlalign.local.demo;

import io.tlalign.local.AccuracyCurve;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The demo's {@code curves.png}, rendered headless with XChart: training loss against step (left
 * axis), test accuracy of each published model against its step (right axis), and the final model's
 * accuracy on the whole test split as a marked point with a dashed level line.
 */
public final class CurvesChart {

  /** Width of the PNG in pixels. */
  public static final int WIDTH = 900;

  /** Height of the PNG in pixels. */
  public static final int HEIGHT = 500;

  private CurvesChart() {}

  /**
   * Renders the chart to {@code file} (a {@code .png}).
   *
   * @param rows training metrics in step order; at least one
   * @param curve test accuracy of the published models, in step order; may be empty
   * @param testAccuracy accuracy of the final model on the test split, in [0, 1], or NaN for none
   * @param title chart title
   */
  public static void write(
      Path file,
      List<MetricRow> rows,
      List<AccuracyCurve.Point> curve,
      double testAccuracy,
      String title)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("no training metrics to plot");
    }
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("step")
            .yAxisTitle("training loss")
            .build();
    chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
    chart.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
    chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
    chart.setYAxisGroupTitle(0, "training loss");
    chart.setYAxisGroupTitle(1, "test accuracy");

    double[] steps = new double[rows.size()];
    double[] loss = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      steps[i] = rows.get(i).step();
      loss[i] = rows.get(i).loss();
    }
    XYSeries l = chart.addSeries("training loss", steps, loss);
    l.setMarker(SeriesMarkers.NONE);
    l.setLineColor(new java.awt.Color(31, 119, 180));

    if (!curve.isEmpty()) {
      double[] cs = new double[curve.size()];
      double[] ca = new double[curve.size()];
      for (int i = 0; i < cs.length; i++) {
        cs[i] = curve.get(i).step();
        ca[i] = curve.get(i).accuracy();
      }
      XYSeries c = chart.addSeries("test accuracy (published models)", cs, ca);
      c.setYAxisGroup(1);
      c.setMarker(SeriesMarkers.DIAMOND);
      c.setLineColor(new java.awt.Color(44, 160, 44));
      c.setMarkerColor(new java.awt.Color(44, 160, 44));
    }
    if (!Double.isNaN(testAccuracy) || !curve.isEmpty()) {
      chart.getStyler().setYAxisMin(1, 0.0);
      chart.getStyler().setYAxisMax(1, 1.0);
    }
    if (!Double.isNaN(testAccuracy)) {
      double last = steps[steps.length - 1];
      double first = Math.min(steps[0], last);
      XYSeries level =
          chart.addSeries(
              String.format(
                  java.util.Locale.ROOT, "test accuracy (final model) %.2f%%", testAccuracy * 100),
              new double[] {first, last},
              new double[] {testAccuracy, testAccuracy});
      level.setYAxisGroup(1);
      level.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
      level.setMarker(SeriesMarkers.NONE);
      level.setLineColor(new java.awt.Color(214, 39, 40));
      XYSeries point =
          chart.addSeries("final model", new double[] {last}, new double[] {testAccuracy});
      point.setYAxisGroup(1);
      point.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      point.setMarker(SeriesMarkers.CIRCLE);
      point.setMarkerColor(new java.awt.Color(214, 39, 40));
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (java.io.OutputStream os = Files.newOutputStream(file)) {
      BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
