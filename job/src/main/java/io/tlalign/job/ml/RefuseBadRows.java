package io.tlalign.job.ml;

import io.tlalign.schemas.DeadLetter;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * Fails the fit on the first row validation refused, naming the row, the reason code and the fix: a
 * table is data the caller controls, so a bad row is a mistake to fix rather than to skip.
 */
final class RefuseBadRows implements MapFunction<DeadLetter, String> {

  @Override
  public String map(DeadLetter d) {
    String id =
        d.getOriginalKey() == null
            ? "?"
            : StandardCharsets.UTF_8.decode(d.getOriginalKey().duplicate()).toString();
    throw new IllegalArgumentException(
        "row "
            + d.getOffset()
            + " (id "
            + id
            + ") of the training table cannot be trained on: "
            + d.getReasonCode()
            + ": "
            + d.getMessage()
            + "; fix the row or filter it out before fit");
  }
}
