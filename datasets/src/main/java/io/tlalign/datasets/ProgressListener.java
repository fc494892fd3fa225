package io.tlalign.datasets;

/**
 * Hears how a replay goes; every method has an empty default. Called from the replaying thread, for
 * every record: implementations must be cheap (throttle any drawing themselves).
 */
public interface ProgressListener {

  /** Listens to nothing. */
  ProgressListener NONE = new ProgressListener() {};

  /** Before the first record; {@code total} images will be read. */
  default void onStart(String topic, long total) {}

  /** After each image: {@code done} of {@code total} read, {@code failed} of them skipped. */
  default void onProgress(long done, long total, long failed) {}

  /** An image was skipped; {@code reason} is one line. */
  default void onSkipped(String imageId, String reason) {}

  /** After the final flush. */
  default void onFinish(ReplaySummary summary) {}
}
