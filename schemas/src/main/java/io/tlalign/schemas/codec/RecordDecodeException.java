package io.tlalign.schemas.codec;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * Bytes that could not be decoded into a record, with a machine-readable {@link Reason}.
 *
 * <p>Checked on purpose: a consumer of an untrusted topic must decide what to do with a bad message
 * (the Flink job sends it to the dead-letter topic with {@code reason().name()} as its reason code)
 * instead of letting it fail the task and replay the same poison message forever.
 *
 * <p>The message is always a single, non-empty line, so it can go into a dead-letter record or a
 * log line as it is.
 */
public final class RecordDecodeException extends Exception {

  /**
   * Why decoding failed. The constant names are a wire contract (they become dead-letter reason
   * codes and metric labels): never rename or remove one, only add.
   */
  public enum Reason {
    /** No bytes at all: a null value (e.g. a Kafka tombstone) or a zero-length array. */
    EMPTY,
    /**
     * Not Avro single-object encoding: shorter than its 10-byte header, or not starting with the
     * marker {@code C3 01} (e.g. JSON, or Confluent-registry framing).
     */
    BAD_MARKER,
    /**
     * The header names a writer schema, by fingerprint, that the {@link SchemaStore} does not hold.
     * Fixed by registering that writer schema; the message carries the fingerprint in hex.
     */
    UNKNOWN_FINGERPRINT,
    /**
     * The writer schema is known but cannot be read as the reader's record: another record type on
     * the topic, or a schema change that broke compatibility.
     */
    INCOMPATIBLE_SCHEMA,
    /** The input ends before the record it declares does. */
    TRUNCATED,
    /** The body does not follow the writer schema (invalid lengths, indexes or numbers). */
    MALFORMED_BODY,
    /** A whole record was read but bytes were left over, so the record cannot be trusted. */
    TRAILING_BYTES
  }

  private static final int MAX_MESSAGE_CHARS = 400;

  private final Reason reason;
  private final boolean hasFingerprint;
  private final long fingerprint;

  /**
   * @param reason why decoding failed
   * @param message what was wrong; line breaks are flattened and it is shortened to one line
   */
  public RecordDecodeException(Reason reason, String message) {
    this(reason, message, null, false, 0L);
  }

  /**
   * @param reason why decoding failed
   * @param message what was wrong; line breaks are flattened and it is shortened to one line
   * @param cause the underlying failure, kept for logs
   */
  public RecordDecodeException(Reason reason, String message, Throwable cause) {
    this(reason, message, cause, false, 0L);
  }

  /** For failures after the header was read: the writer fingerprint helps find the producer. */
  RecordDecodeException(Reason reason, String message, Throwable cause, long fingerprint) {
    this(reason, message, cause, true, fingerprint);
  }

  private RecordDecodeException(
      Reason reason, String message, Throwable cause, boolean hasFingerprint, long fingerprint) {
    super(oneLine(reason, message), cause);
    if (reason == null) {
      throw new NullPointerException("reason");
    }
    this.reason = reason;
    this.hasFingerprint = hasFingerprint;
    this.fingerprint = fingerprint;
  }

  /** Why decoding failed; {@code reason().name()} is the stable code. */
  public Reason reason() {
    return reason;
  }

  /** The writer-schema fingerprint from the header, where the header could be read. */
  public OptionalLong fingerprint() {
    return hasFingerprint ? OptionalLong.of(fingerprint) : OptionalLong.empty();
  }

  @Override
  public String toString() {
    return "RecordDecodeException[" + reason.name() + "]: " + getMessage();
  }

  /** Renders a fingerprint the way messages and logs show it: 16 hex digits, big-endian. */
  static String hex(long fingerprint) {
    return String.format(Locale.ROOT, "0x%016x", fingerprint);
  }

  private static String oneLine(Reason reason, String message) {
    String flat = message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    if (flat.isEmpty()) {
      flat = "record could not be decoded (" + (reason == null ? "?" : reason.name()) + ")";
    }
    return flat.length() <= MAX_MESSAGE_CHARS
        ? flat
        : flat.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
  }
}
