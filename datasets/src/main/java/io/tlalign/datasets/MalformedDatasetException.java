package io.tlalign.datasets;

import java.io.IOException;

/** A dataset as a whole cannot be used: a bad IDX header, a size mismatch, no images at all. */
public final class MalformedDatasetException extends IOException {

  private static final long serialVersionUID = 1L;

  public MalformedDatasetException(String message) {
    super(message);
  }
}
