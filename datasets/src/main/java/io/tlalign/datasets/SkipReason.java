package io.tlalign.datasets;

import java.util.Locale;

/** Why a replay did not send a file or image; counted by reason in the replay's summary line. */
public enum SkipReason {
  /** Bytes or a file name of another format (GIF, BMP, text...): only PNG and JPEG are sent. */
  NOT_PNG_OR_JPEG,
  /** The file or its header cannot be read. */
  UNREADABLE,
  /** More pixels than the replay's limit (the job's {@code tlalign.max-image-pixels}). */
  OVERSIZED,
  /** The encoded record is larger than the replay's record limit. */
  RECORD_TOO_LARGE;

  /** The key in the summary line, e.g. {@code not_png_or_jpeg}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
