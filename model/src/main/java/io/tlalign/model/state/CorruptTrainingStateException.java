package io.tlalign.model.state;

import java.io.IOException;

/**
 * Bytes that are not a complete, intact training state: the message is one line that says exactly
 * what failed (truncation, checksum, magic, version, an impossible size or an inconsistent header).
 *
 * <p>It is a checked {@link IOException}, like {@link java.util.zip.ZipException}: a restore reads
 * bytes from a checkpoint, and a caller must decide on purpose what a corrupt checkpoint means
 * (fail the job with this message), never skip it by accident.
 */
public final class CorruptTrainingStateException extends IOException {

  private static final long serialVersionUID = 1L;

  public CorruptTrainingStateException(String message) {
    super(message);
  }

  public CorruptTrainingStateException(String message, Throwable cause) {
    super(message, cause);
  }
}
