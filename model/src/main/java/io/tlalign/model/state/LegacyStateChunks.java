package io.tlalign.model.state;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The reader of the chunk framing that training-state checkpoints used before {@link StateChunks}
 * moved to the shared chunk frame ({@code io.tlalign.schemas.framing.ChunkFrame}): kept so that
 * checkpoints and savepoints written by earlier builds still restore. Nothing writes it any more.
 *
 * <h2>Chunk layout (TLCK)</h2>
 *
 * <pre>
 * offset  size  field (little-endian)
 * 0       4     magic, ASCII "TLCK" (54 4C 43 4B)
 * 4       4     int32  index of this chunk, 0-based
 * 8       4     int32  number of chunks n
 * 12      8     int64  total payload length T, all chunks together
 * 20      4     int32  CRC32C of this chunk's payload
 * 24      ...   payload: the next bytes of the encoded state
 * </pre>
 */
final class LegacyStateChunks {

  /** The bytes of header in front of every chunk's payload. */
  static final int HEADER_BYTES = 24;

  private static final int MAGIC = 0x4B434C54; // "TLCK" read as a little-endian int32

  /** Whether {@code chunks} are in this framing: the first one starts with "TLCK". */
  static boolean isLegacy(List<byte[]> chunks) {
    byte[] first = chunks.isEmpty() ? null : chunks.get(0);
    return first != null
        && first.length >= 4
        && ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == MAGIC;
  }

  private LegacyStateChunks() {}

  /**
   * Checks every chunk (header, order, payload checksum), then returns a stream over the joined
   * payloads that copies nothing.
   *
   * @throws CorruptTrainingStateException naming the missing, misplaced or altered chunk
   */
  static InputStream open(List<byte[]> chunks) throws CorruptTrainingStateException {
    verify(chunks);
    List<InputStream> parts = new ArrayList<>(chunks.size());
    for (byte[] c : chunks) {
      parts.add(new ByteArrayInputStream(c, HEADER_BYTES, c.length - HEADER_BYTES));
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  private static void verify(List<byte[]> chunks) throws CorruptTrainingStateException {
    if (chunks.isEmpty()) {
      throw new CorruptTrainingStateException(
          "no training state chunks; a chunked state has at least one chunk");
    }
    List<ChunkOrder.Place> places = new ArrayList<>(chunks.size());
    for (int pos = 0; pos < chunks.size(); pos++) {
      byte[] c = chunks.get(pos);
      if (c == null || c.length < HEADER_BYTES) {
        throw new CorruptTrainingStateException(
            "training state chunk at position "
                + pos
                + " is "
                + (c == null ? "null" : c.length + " bytes")
                + ", shorter than the "
                + HEADER_BYTES
                + "-byte chunk header; the chunk was truncated");
      }
      ByteBuffer h = ByteBuffer.wrap(c, 0, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      if (h.getInt(0) != MAGIC) {
        throw new CorruptTrainingStateException(
            "value at position " + pos + " is not a training state chunk (no 'TLCK' magic)");
      }
      places.add(
          new ChunkOrder.Place(h.getInt(4), h.getInt(8), h.getLong(12), c.length - HEADER_BYTES));
    }
    ChunkOrder.check(places);
    for (int pos = 0; pos < chunks.size(); pos++) {
      byte[] c = chunks.get(pos);
      CRC32C crc = new CRC32C();
      crc.update(c, HEADER_BYTES, c.length - HEADER_BYTES);
      int stored = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).getInt(20);
      if ((int) crc.getValue() != stored) {
        throw new CorruptTrainingStateException(
            "training state chunk "
                + pos
                + " payload checksum mismatch: stored crc32c "
                + String.format("%08x", stored)
                + ", computed "
                + String.format("%08x", (int) crc.getValue())
                + "; the chunk was altered");
      }
    }
  }
}
