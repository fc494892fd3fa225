package io.tlalign.local.experiment;

import io.tlalign.local.AccuracyCurve;
import io.tlalign.model.train.TargetMode;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code experiment.png}, rendered headless with XChart: on top, test accuracy against step per
 * method (the mean over seeds as a line, mean ± one standard deviation as a shaded band); below,
 * the histogram of TL-Align's aligned share of source A minus the CutMix lambda, per image: how far
 * the target the model was taught moved from the pasted area.
 */
public final class ExperimentChart {

  public static final int WIDTH = 1000;

  /** Height of each of the two charts; the PNG is twice as high. */
  public static final int CHART_HEIGHT = 520;

  /** Points of the common step grid the seeds' curves are interpolated on. */
  static final int GRID = 40;

  /** Histogram bins. */
  static final int BINS = 50;

  private static final Color[] COLORS = {
    new Color(127, 127, 127),
    new Color(31, 119, 180),
    new Color(214, 39, 40),
    new Color(44, 160, 44)
  };

  private ExperimentChart() {}

  public static void write(Path file, ExperimentRun.Result result, long steps) throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart curves = curves(result, steps);
    XYChart histogram = histogram(result);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // Two rows in one PNG: XChart tiles charts of the same type and size.
    try (OutputStream os = Files.newOutputStream(file)) {
      BitmapEncoder.saveBitmap(
          List.of(curves, histogram), 2, 1, os, BitmapEncoder.BitmapFormat.PNG);
    }
  }

  static XYChart curves(ExperimentRun.Result result, long steps) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(CHART_HEIGHT)
            .title("test accuracy: mean over seeds, band = ±1 sd")
            .xAxisTitle("step")
            .yAxisTitle("test accuracy")
            .build();
    style(chart);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    int c = 0;
    for (String method : result.methods()) {
      Color color = COLORS[c++ % COLORS.length];
      List<List<AccuracyCurve.Point>> seeds = new ArrayList<>();
      for (RunResult r : result.runs()) {
        if (r.method().equals(method) && !r.curve().isEmpty()) {
          seeds.add(r.curve());
        }
      }
      if (seeds.isEmpty()) {
        continue;
      }
      double[] grid = grid(seeds, steps);
      double[] mean = new double[grid.length];
      double[] sd = new double[grid.length];
      for (int i = 0; i < grid.length; i++) {
        List<Double> at = new ArrayList<>();
        for (List<AccuracyCurve.Point> curve : seeds) {
          at.add(interpolate(curve, grid[i]));
        }
        Spread s = Spread.of(at);
        mean[i] = s.mean();
        sd[i] = s.sd();
      }
      double[] bx = new double[2 * grid.length];
      double[] by = new double[2 * grid.length];
      for (int i = 0; i < grid.length; i++) {
        bx[i] = grid[i];
        by[i] = mean[i] + sd[i];
        bx[2 * grid.length - 1 - i] = grid[i];
        by[2 * grid.length - 1 - i] = mean[i] - sd[i];
      }
      XYSeries band = chart.addSeries(method + " ±1 sd", bx, by);
      band.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
      band.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 60));
      band.setLineColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 0));
      band.setMarker(SeriesMarkers.NONE);
      band.setShowInLegend(false);
      XYSeries line =
          chart.addSeries(
              String.format(
                  Locale.ROOT, "%s (final %s)", method, result.accuracy(method).format(4)),
              grid,
              mean);
      line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      line.setLineColor(color);
      line.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  static XYChart histogram(ExperimentRun.Result result) {
    List<Float> values = new ArrayList<>();
    for (RunResult r : result.runs()) {
      if (r.method().equals(TargetMode.TLALIGN.toString())) {
        for (float v : r.shareMinusLambda()) {
          values.add(v);
        }
      }
    }
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(CHART_HEIGHT)
            .title(
                "TL-Align: aligned share of source A minus lambda, per image ("
                    + values.size()
                    + " images of the reported steps)")
            .xAxisTitle("aligned share - lambda")
            .yAxisTitle("images")
            .build();
    style(chart);
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisDecimalPattern("0.000");
    Bins h = Bins.of(values, BINS);
    XYSeries bars = chart.addSeries("share - lambda", h.edges(), h.countsAsSteps());
    bars.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
    bars.setFillColor(new Color(214, 39, 40, 120));
    bars.setLineColor(new Color(214, 39, 40));
    bars.setMarker(SeriesMarkers.NONE);
    return chart;
  }

  private static void style(XYChart chart) {
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesVisible(true);
  }

  /** {@link #GRID} steps from the latest first point of any seed to the run's last step. */
  static double[] grid(List<List<AccuracyCurve.Point>> seeds, long steps) {
    double from = 0;
    double to = steps;
    for (List<AccuracyCurve.Point> curve : seeds) {
      from = Math.max(from, curve.get(0).step());
      to = Math.min(to, curve.get(curve.size() - 1).step());
    }
    if (to <= from) {
      return new double[] {from};
    }
    double[] g = new double[GRID];
    for (int i = 0; i < GRID; i++) {
      g[i] = from + (to - from) * i / (GRID - 1);
    }
    return g;
  }

  /** Linear interpolation of {@code curve} at {@code step}, clamped to its ends. */
  static double interpolate(List<AccuracyCurve.Point> curve, double step) {
    if (step <= curve.get(0).step()) {
      return curve.get(0).accuracy();
    }
    for (int i = 1; i < curve.size(); i++) {
      AccuracyCurve.Point a = curve.get(i - 1);
      AccuracyCurve.Point b = curve.get(i);
      if (step <= b.step()) {
        double t = (step - a.step()) / (double) (b.step() - a.step());
        return a.accuracy() + t * (b.accuracy() - a.accuracy());
      }
    }
    return curve.get(curve.size() - 1).accuracy();
  }
}
