package io.tlalign.local.experiment;

import java.util.List;

/**
 * Equal-width histogram bins over a range symmetric around zero (the largest |value|, at least
 * 0.01), so that "no difference" sits in the middle of the plot.
 *
 * @param edges {@code bins + 1} bin edges, ascending
 * @param counts values per bin; the last bin includes its upper edge
 */
public record Bins(double[] edges, long[] counts) {

  public static Bins of(List<Float> values, int bins) {
    double r = 0.01;
    for (float v : values) {
      r = Math.max(r, Math.abs(v));
    }
    double[] edges = new double[bins + 1];
    for (int i = 0; i <= bins; i++) {
      edges[i] = -r + 2 * r * i / bins;
    }
    long[] counts = new long[bins];
    for (float v : values) {
      int i = (int) Math.floor((v + r) / (2 * r) * bins);
      counts[Math.max(0, Math.min(bins - 1, i))]++;
    }
    return new Bins(edges, counts);
  }

  /** The counts as y values at the edges, for a step plot: bin i's count from edge i on. */
  public double[] countsAsSteps() {
    double[] y = new double[edges.length];
    for (int i = 0; i < counts.length; i++) {
      y[i] = counts[i];
    }
    y[edges.length - 1] = counts[counts.length - 1];
    return y;
  }

  public long total() {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }
}
