package io.tlalign.job.sync;

/**
 * A sync message or an assembled contribution failed a check. When the header could still be read
 * the chunk is attached, so the round it belongs to can be rejected.
 */
public final class CorruptSyncDataException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient SyncChunk chunk;

  public CorruptSyncDataException(String message) {
    this(message, null);
  }

  public CorruptSyncDataException(String message, SyncChunk chunk) {
    super(message);
    this.chunk = chunk;
  }

  /** The chunk whose header was readable, or null. */
  public SyncChunk chunk() {
    return chunk;
  }
}
