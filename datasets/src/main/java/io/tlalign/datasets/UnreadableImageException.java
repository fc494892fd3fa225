package io.tlalign.datasets;

/** One image of a dataset cannot be read; a replay reports it, counts it and goes on. */
public final class UnreadableImageException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String imageId;

  public UnreadableImageException(String imageId, String message, Throwable cause) {
    super(message, cause);
    this.imageId = imageId;
  }

  /** The id the image would have had. */
  public String imageId() {
    return imageId;
  }
}
