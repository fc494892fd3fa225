package io.tlalign.schemas.framing;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.Sha256;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
import io.tlalign.schemas.codec.RecordEncodeException;
import io.tlalign.schemas.framing.CorruptChunkException.Reason;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * One chunk of a payload that was cut into bounded pieces: the framing shared by the training state
 * in Flink state (a RocksDB value is capped at 2 GiB) and the replicas' round contributions on the
 * sync topic (a Kafka message is far smaller).
 *
 * <h2>Frame layout, frame version 1</h2>
 *
 * <p>All integers are <b>little-endian</b>, as in the training-state encoding and in Avro's own
 * single-object header.
 *
 * <pre>
 * offset   size  field
 * 0        4     magic, ASCII "TLCF" (54 4C 43 46)
 * 4        4     int32  frame version = 1
 * 8        4     int32  H: header length (at most {@value #MAX_HEADER_BYTES})
 * 12       4     int32  D: data length
 * 16       H     header: one {@link ChunkHeader} in Avro single-object encoding:
 *                  C3 01, the writer schema's CRC-64-AVRO fingerprint (8 bytes), the binary body
 *                  (index, count, payloadBytes, payloadSha256, contribution, ...)
 * 16+H     D     data: the payload's bytes from (sum of the earlier chunks' D) on
 * 16+H+D   4     CRC32C of bytes [0, 16+H+D)
 * </pre>
 *
 * <p>So a frame is exactly {@code 20 + H + D} bytes. Checksums, the same for every payload: the
 * CRC32C catches a damaged frame, header included; the payload's SHA-256, which every header
 * carries, catches a payload joined from intact chunks of different payloads.
 *
 * <h2>Versions</h2>
 *
 * <p>Two things can change, each with its own path. The header's fields evolve through the {@link
 * io.tlalign.schemas.codec.SchemaStore}: the fingerprint says which writer schema wrote a header,
 * and the reader resolves it to the current {@link ChunkHeader} (a field added with a default reads
 * as that default from older frames; the older schema stays in {@code history/}). The layout around
 * the header (prefix, checksum) changes with the frame version: {@link #decode} dispatches on it,
 * and a new version gets its own branch next to version 1's.
 *
 * <p>Immutable view over the frame's bytes; the data is not copied.
 */
public final class ChunkFrame {

  /** The first four bytes of every frame: ASCII "TLCF" read as a little-endian int32. */
  public static final int MAGIC = 0x46434C54;

  /** The frame version this build writes. */
  public static final int VERSION = 1;

  /** Magic, version, header length and data length. */
  public static final int PREFIX_BYTES = 16;

  /** The CRC32C at the end. */
  public static final int CHECKSUM_BYTES = 4;

  /** The smallest frame: no header, no data. */
  public static final int MIN_FRAME_BYTES = PREFIX_BYTES + CHECKSUM_BYTES;

  /** The largest header accepted: far more than a header needs (a run id and a few numbers). */
  public static final int MAX_HEADER_BYTES = 32 << 10;

  private static final AvroRecordCodec<ChunkHeader> HEADERS = AvroRecordCodec.forChunkHeader();
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  private final ChunkHeader header;
  private final byte[] bytes;
  private final int dataOffset;
  private final int dataLength;

  private ChunkFrame(ChunkHeader header, byte[] bytes, int dataOffset, int dataLength) {
    this.header = header;
    this.bytes = bytes;
    this.dataOffset = dataOffset;
    this.dataLength = dataLength;
  }

  // ---------------------------------------------------------------------------------- writing

  /** The frame of {@code header} around {@code data[offset, offset + length)}. */
  public static byte[] encode(ChunkHeader header, byte[] data, int offset, int length) {
    byte[] h = encodeHeader(header);
    byte[] frame = allocate(h.length, length);
    System.arraycopy(data, offset, frame, PREFIX_BYTES + h.length, length);
    seal(frame, h);
    return frame;
  }

  /**
   * The most bytes a frame adds around its data for headers built from {@code describe}: the header
   * with every int and long at its widest encoding, plus prefix and checksum.
   */
  public static int overheadBound(ChunkHeader.Builder describe) {
    ChunkHeader widest =
        ChunkHeader.newBuilder(describe)
            .setIndex(Integer.MAX_VALUE)
            .setCount(Integer.MAX_VALUE)
            .setPayloadBytes(Long.MAX_VALUE)
            .setPayloadSha256(new Sha256(new byte[32]))
            .build();
    return MIN_FRAME_BYTES + encodeHeader(widest).length;
  }

  static byte[] encodeHeader(ChunkHeader header) {
    byte[] h;
    try {
      h = HEADERS.encode(header);
    } catch (RecordEncodeException e) {
      throw new IllegalArgumentException("chunk header does not encode: " + e.getMessage(), e);
    }
    if (h.length > MAX_HEADER_BYTES) {
      throw new IllegalArgumentException(
          "chunk header encodes to "
              + h.length
              + " bytes, over the "
              + MAX_HEADER_BYTES
              + "-byte limit readers accept; keep the run id short");
    }
    return h;
  }

  /** An array for a frame with a header of {@code headerLength} and {@code dataLength} bytes. */
  static byte[] allocate(int headerLength, int dataLength) {
    return new byte[MIN_FRAME_BYTES + headerLength + dataLength];
  }

  /**
   * Writes prefix, {@code header} and checksum into {@code frame}, whose data (after the header's
   * place) is already in place.
   */
  static void seal(byte[] frame, byte[] header) {
    int dataLength = frame.length - MIN_FRAME_BYTES - header.length;
    ByteBuffer.wrap(frame, 0, PREFIX_BYTES)
        .order(LE)
        .putInt(MAGIC)
        .putInt(VERSION)
        .putInt(header.length)
        .putInt(dataLength);
    System.arraycopy(header, 0, frame, PREFIX_BYTES, header.length);
    int crcAt = frame.length - CHECKSUM_BYTES;
    ByteBuffer.wrap(frame, crcAt, CHECKSUM_BYTES).order(LE).putInt(crc32c(frame, crcAt));
  }

  // ---------------------------------------------------------------------------------- reading

  /** Whether {@code bytes} start with the frame magic (the frame may still be corrupt). */
  public static boolean hasMagic(byte[] bytes) {
    return bytes != null && bytes.length >= 4 && int32(bytes, 0) == MAGIC;
  }

  /**
   * Decodes one frame after checking all of it: magic, version, lengths, checksum, header.
   *
   * @throws CorruptChunkException with the reason and, when it was readable, the header
   */
  public static ChunkFrame decode(byte[] bytes) throws CorruptChunkException {
    return decode(bytes, HEADERS);
  }

  static ChunkFrame decode(byte[] bytes, AvroRecordCodec<ChunkHeader> headers)
      throws CorruptChunkException {
    if (bytes == null) {
      throw new CorruptChunkException(Reason.TRUNCATED, "no bytes (null)", null, null);
    }
    if (bytes.length >= 4 && !hasMagic(bytes)) {
      throw new CorruptChunkException(
          Reason.NOT_A_FRAME,
          "the first bytes are "
              + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, 4)
              + ", not the chunk frame magic 'TLCF' (54 4c 43 46)",
          null,
          null);
    }
    if (bytes.length < MIN_FRAME_BYTES) {
      throw new CorruptChunkException(
          Reason.TRUNCATED,
          bytes.length + " bytes, fewer than the " + MIN_FRAME_BYTES + " of an empty frame",
          null,
          null);
    }
    int version = int32(bytes, 4);
    return switch (version) {
      case 1 -> decodeVersion1(bytes, headers);
      default ->
          throw new CorruptChunkException(
              Reason.UNSUPPORTED_VERSION,
              "chunk frame version "
                  + version
                  + "; this build reads frame version "
                  + VERSION
                  + (version > VERSION ? " (the frame was written by a newer build)" : ""),
              null,
              null);
    };
  }

  private static ChunkFrame decodeVersion1(byte[] bytes, AvroRecordCodec<ChunkHeader> headers)
      throws CorruptChunkException {
    int headerLength = int32(bytes, 8);
    int dataLength = int32(bytes, 12);
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES || dataLength < 0) {
      throw new CorruptChunkException(
          Reason.MALFORMED,
          "frame declares a header of "
              + headerLength
              + " bytes (0.."
              + MAX_HEADER_BYTES
              + " allowed) and "
              + dataLength
              + " data bytes; the length fields are corrupt",
          null,
          null);
    }
    long declared = (long) MIN_FRAME_BYTES + headerLength + dataLength;
    if (declared > bytes.length) {
      throw new CorruptChunkException(
          Reason.TRUNCATED,
          "frame declares " + declared + " bytes, got " + bytes.length,
          null,
          null);
    }
    if (declared < bytes.length) {
      throw new CorruptChunkException(
          Reason.MALFORMED,
          "frame declares "
              + declared
              + " bytes but has "
              + bytes.length
              + "; "
              + (bytes.length - declared)
              + " unexpected trailing bytes",
          null,
          null);
    }
    int crcAt = bytes.length - CHECKSUM_BYTES;
    int stored = int32(bytes, crcAt);
    int computed = crc32c(bytes, crcAt);
    if (stored != computed) {
      throw new CorruptChunkException(
          Reason.CHECKSUM_MISMATCH,
          String.format("checksum mismatch: stored crc32c %08x, computed %08x", stored, computed),
          headerOrNull(bytes, headerLength, headers),
          null);
    }
    ChunkHeader header;
    try {
      header = headers.decode(Arrays.copyOfRange(bytes, PREFIX_BYTES, PREFIX_BYTES + headerLength));
    } catch (RecordDecodeException e) {
      throw new CorruptChunkException(
          Reason.UNREADABLE_HEADER, "the header does not decode: " + e.getMessage(), null, e);
    }
    String impossible = impossibility(header, dataLength);
    if (impossible != null) {
      throw new CorruptChunkException(Reason.IMPOSSIBLE_HEADER, impossible, header, null);
    }
    return new ChunkFrame(header, bytes, PREFIX_BYTES + headerLength, dataLength);
  }

  private static String impossibility(ChunkHeader h, int dataLength) {
    if (h.getCount() < 1 || h.getIndex() < 0 || h.getIndex() >= h.getCount()) {
      return "the header declares chunk " + h.getIndex() + " of " + h.getCount();
    }
    if (h.getPayloadBytes() < 0 || dataLength > h.getPayloadBytes()) {
      return "the header declares a payload of "
          + h.getPayloadBytes()
          + " bytes, and the frame holds "
          + dataLength;
    }
    return null;
  }

  /** The header of a frame that failed its checksum, if the damage spared it. */
  private static ChunkHeader headerOrNull(
      byte[] bytes, int headerLength, AvroRecordCodec<ChunkHeader> headers) {
    try {
      return headers.decode(Arrays.copyOfRange(bytes, PREFIX_BYTES, PREFIX_BYTES + headerLength));
    } catch (RecordDecodeException e) {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------- access

  public ChunkHeader header() {
    return header;
  }

  /** The number of payload bytes this frame carries. */
  public int dataLength() {
    return dataLength;
  }

  /** A copy of the data. */
  public byte[] data() {
    return Arrays.copyOfRange(bytes, dataOffset, dataOffset + dataLength);
  }

  /** Copies the data into {@code to} at {@code at}. */
  public void copyData(byte[] to, int at) {
    System.arraycopy(bytes, dataOffset, to, at, dataLength);
  }

  /** A stream over the data, without copying it. */
  public InputStream dataStream() {
    return new ByteArrayInputStream(bytes, dataOffset, dataLength);
  }

  /** Feeds the data to {@code digest}. */
  public void digestData(MessageDigest digest) {
    digest.update(bytes, dataOffset, dataLength);
  }

  // ---------------------------------------------------------------------------------- parts

  static int crc32c(byte[] bytes, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, length);
    return (int) crc.getValue();
  }

  private static int int32(byte[] bytes, int at) {
    return ByteBuffer.wrap(bytes).order(LE).getInt(at);
  }
}
