package io.tlalign.local.experiment;

import java.util.List;
import java.util.Locale;

/**
 * Mean and sample standard deviation (n - 1 in the denominator; 0 for a single value) of a few
 * figures, such as one method's test accuracy over seeds.
 */
public record Spread(double mean, double sd, int n) {

  public static Spread of(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    double mean = sum / values.size();
    double sq = 0;
    for (double v : values) {
      sq += (v - mean) * (v - mean);
    }
    double sd = values.size() > 1 ? Math.sqrt(sq / (values.size() - 1)) : 0;
    return new Spread(mean, sd, values.size());
  }

  /** {@code mean±sd} with {@code digits} decimals. */
  public String format(int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f±%." + digits + "f", mean, sd);
  }
}
