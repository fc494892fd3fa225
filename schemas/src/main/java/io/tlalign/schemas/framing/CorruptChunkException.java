package io.tlalign.schemas.framing;

import io.tlalign.schemas.ChunkHeader;

/**
 * Bytes that are not one intact {@link ChunkFrame}, with a {@link Reason} so that each caller can
 * word the refusal for what it reads (a training state chunk, a sync message). The message is a
 * single line of detail without a subject, e.g. {@code "checksum mismatch: stored crc32c ...,
 * computed ..."}.
 */
public final class CorruptChunkException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a frame was refused. */
  public enum Reason {
    /** The bytes do not start with the frame magic: not a frame at all (or another framing). */
    NOT_A_FRAME,
    /** A frame version this build has no reader for (written by a newer build). */
    UNSUPPORTED_VERSION,
    /** Fewer bytes than the frame declares: the frame was cut short. */
    TRUNCATED,
    /** Lengths that cannot be right: negative, over the limits, or trailing bytes. */
    MALFORMED,
    /** The CRC32C over the frame does not match: the bytes were altered. */
    CHECKSUM_MISMATCH,
    /** The header is intact but does not decode (e.g. an unknown writer schema). */
    UNREADABLE_HEADER,
    /** The header decodes but describes an impossible chunk (index outside 0..count-1, ...). */
    IMPOSSIBLE_HEADER
  }

  private final Reason reason;
  private final transient ChunkHeader header;

  CorruptChunkException(Reason reason, String message, ChunkHeader header, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.header = header;
  }

  public Reason reason() {
    return reason;
  }

  /**
   * The header, where it could still be read although the frame is refused (a checksum mismatch
   * whose damage lies in the data), so a reader can tell whose chunk was damaged; otherwise null.
   */
  public ChunkHeader header() {
    return header;
  }
}
