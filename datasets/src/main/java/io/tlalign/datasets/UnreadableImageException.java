package io.tlalign.datasets;

/** One image of a dataset cannot be sent; a replay reports it, counts it and goes on. */
public final class UnreadableImageException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String imageId;
  private final SkipReason reason;

  public UnreadableImageException(
      String imageId, SkipReason reason, String message, Throwable cause) {
    super(message, cause);
    this.imageId = imageId;
    this.reason = reason;
  }

  /** An image that cannot be read ({@link SkipReason#UNREADABLE}). */
  public UnreadableImageException(String imageId, String message, Throwable cause) {
    this(imageId, SkipReason.UNREADABLE, message, cause);
  }

  /** The id the image would have had. */
  public String imageId() {
    return imageId;
  }

  public SkipReason reason() {
    return reason;
  }
}
