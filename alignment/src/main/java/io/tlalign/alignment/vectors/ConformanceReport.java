package io.tlalign.alignment.vectors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Largest absolute error of every recomputed {@code expected.*} field of one test vector. */
public final class ConformanceReport {

  private final String name;
  private final Map<String, Double> maxAbsErrorByField = new LinkedHashMap<>();

  ConformanceReport(String name) {
    this.name = name;
  }

  void record(String field, double maxAbsError) {
    maxAbsErrorByField.merge(field, maxAbsError, Math::max);
  }

  public String name() {
    return name;
  }

  public Map<String, Double> maxAbsErrorByField() {
    return Collections.unmodifiableMap(maxAbsErrorByField);
  }

  /** The largest error over all fields; NaN if any compared value was NaN. */
  public double maxAbsError() {
    double max = 0;
    for (double e : maxAbsErrorByField.values()) {
      if (Double.isNaN(e)) {
        return Double.NaN;
      }
      max = Math.max(max, e);
    }
    return max;
  }

  /** The field with the largest error, for a one-line diagnosis. */
  public String worstField() {
    String worst = null;
    double max = -1;
    for (Map.Entry<String, Double> e : maxAbsErrorByField.entrySet()) {
      if (Double.isNaN(e.getValue()) || e.getValue() > max) {
        worst = e.getKey();
        max = Double.isNaN(e.getValue()) ? Double.POSITIVE_INFINITY : e.getValue();
      }
    }
    return worst;
  }

  public boolean passes(double tolerance) {
    double e = maxAbsError();
    return !Double.isNaN(e) && e <= tolerance;
  }
}
