package io.tlalign.local.demo;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Writes the demo's {@code metrics.csv}: a header line, then one line per training metric. */
public final class MetricsCsv {

  /** The header line. */
  public static final String HEADER = "step,loss,lr,images_per_s,mean_lambda,mean_aligned_share_a";

  private MetricsCsv() {}

  /** Writes {@code rows} to {@code file} (replacing it), in the given order. */
  public static void write(Path file, List<MetricRow> rows) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(HEADER);
      w.write('\n');
      for (MetricRow r : rows) {
        w.write(line(r));
        w.write('\n');
      }
    }
  }

  /** One CSV line (no line end). */
  static String line(MetricRow r) {
    return String.format(
        Locale.ROOT,
        "%d,%s,%s,%s,%s,%s",
        r.step(),
        num(r.loss()),
        num(r.lr()),
        num(r.imagesPerSecond()),
        num(r.meanLambda()),
        num(r.meanAlignedShareA()));
  }

  private static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "";
    }
    return String.format(Locale.ROOT, "%.6g", v).trim();
  }
}
