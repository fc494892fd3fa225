package io.tlalign.schemas.codec;

import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * Reads the 10-byte header of Avro single-object encoding: the marker {@code C3 01}, then the
 * writer schema's fingerprint as 8 little-endian bytes.
 *
 * <p>Parsed here rather than by Avro's {@code BinaryMessageDecoder} because that decoder reads the
 * body through a buffered decoder that hides how many bytes the record used, so it cannot detect
 * trailing bytes, and it reports a bad header and a short input alike.
 */
final class SingleObjectHeader {

  /** Marker byte 0 and 1 of version 1 of the format. */
  static final byte MARKER_0 = (byte) 0xC3;

  static final byte MARKER_1 = (byte) 0x01;

  /** Marker plus fingerprint. */
  static final int LENGTH = 10;

  private SingleObjectHeader() {}

  /**
   * The writer fingerprint in {@code message}'s header.
   *
   * @param recordName what the caller expected, for the message only
   * @throws RecordDecodeException {@link Reason#EMPTY} or {@link Reason#BAD_MARKER}
   */
  static long fingerprint(byte[] message, String recordName) throws RecordDecodeException {
    if (message == null || message.length == 0) {
      throw new RecordDecodeException(
          Reason.EMPTY,
          "no bytes to decode as "
              + recordName
              + (message == null
                  ? " (null value, e.g. a Kafka tombstone)"
                  : " (zero-length value)"));
    }
    if (message[0] != MARKER_0 || (message.length > 1 && message[1] != MARKER_1)) {
      throw new RecordDecodeException(
          Reason.BAD_MARKER,
          "not Avro single-object encoding: expected marker C3 01 but the "
              + message.length
              + "-byte value starts with "
              + HexFormat.ofDelimiter(" ")
                  .withUpperCase()
                  .formatHex(message, 0, Math.min(2, message.length)));
    }
    if (message.length < LENGTH) {
      throw new RecordDecodeException(
          Reason.BAD_MARKER,
          "value of "
              + message.length
              + " bytes is too short for the "
              + LENGTH
              + "-byte single-object header (marker + 8-byte schema fingerprint)");
    }
    return ByteBuffer.wrap(message, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
