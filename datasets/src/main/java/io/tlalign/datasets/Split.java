package io.tlalign.datasets;

import java.util.Locale;

/** Which part of a dataset to replay. */
public enum Split {
  TRAIN,
  TEST;

  /** {@code train} or {@code test}, as in ids and source names. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
