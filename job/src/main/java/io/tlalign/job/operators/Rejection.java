package io.tlalign.job.operators;

/** Thrown by {@link ImageValidator} for a record that cannot be trained on; never escapes a job. */
public final class Rejection extends Exception {
  private final String reasonCode;

  public Rejection(String reasonCode, String message) {
    super(message, null, false, false);
    this.reasonCode = reasonCode;
  }

  public Rejection(RejectReason reason, String message) {
    this(reason.name(), message);
  }

  /** The reason code on the dead-letter topic. */
  public String reasonCode() {
    return reasonCode;
  }
}
