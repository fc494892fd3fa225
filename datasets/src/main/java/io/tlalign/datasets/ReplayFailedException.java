package io.tlalign.datasets;

/** The replay stopped: the producer could not deliver a record, or the topic could not be made. */
public final class ReplayFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ReplayFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
