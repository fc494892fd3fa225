package io.tlalign.model.state;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Cuts an encoded state into self-describing chunks of bounded size and joins them back, refusing a
 * missing, reordered, foreign or altered chunk.
 *
 * <p>Why: one Flink state value must stay small (a RocksDB value is capped at 2 GiB, and large
 * values are slow to merge and copy), so the training operator stores its state as a list or map of
 * chunks. Note that RocksDB keeps all elements of one keyed {@code ListState} in a single value;
 * store the chunks in a {@code MapState<Integer, byte[]>} there, or in operator list state.
 *
 * <h2>Chunk layout</h2>
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
 *
 * <p>Every chunk but the last carries exactly {@code maxChunkBytes - 24} payload bytes.
 */
public final class StateChunks {

  /** The bytes of header in front of every chunk's payload. */
  public static final int HEADER_BYTES = 24;

  private static final int MAGIC = 0x4B434C54; // "TLCK" read as a little-endian int32
  private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  private StateChunks() {}

  /**
   * Cuts {@code bytes} into chunks of at most {@code maxChunkBytes} bytes each, headers included.
   * An empty input gives one chunk with an empty payload.
   */
  public static List<byte[]> split(byte[] bytes, int maxChunkBytes) {
    Writer w = writer(bytes.length, maxChunkBytes);
    w.write(bytes, 0, bytes.length);
    w.close();
    return w.chunks();
  }

  /**
   * Joins chunks made by {@link #split} or {@link #writer} back into the original bytes, after
   * checking every chunk header and payload checksum.
   *
   * @throws CorruptTrainingStateException naming the missing, misplaced or altered chunk
   */
  public static byte[] join(List<byte[]> chunks) throws CorruptTrainingStateException {
    long total = verify(chunks);
    if (total > MAX_ARRAY_BYTES) {
      throw new CorruptTrainingStateException(
          "training state chunks hold "
              + total
              + " bytes, more than one Java array holds; read them with open(chunks)");
    }
    byte[] joined = new byte[(int) total];
    int at = 0;
    for (byte[] c : chunks) {
      int n = c.length - HEADER_BYTES;
      System.arraycopy(c, HEADER_BYTES, joined, at, n);
      at += n;
    }
    return joined;
  }

  /**
   * Checks every chunk as {@link #join} does, then returns a stream over the joined payloads that
   * copies nothing.
   *
   * @throws CorruptTrainingStateException naming the missing, misplaced or altered chunk
   */
  public static InputStream open(List<byte[]> chunks) throws CorruptTrainingStateException {
    verify(chunks);
    List<InputStream> parts = new ArrayList<>(chunks.size());
    for (byte[] c : chunks) {
      parts.add(new ByteArrayInputStream(c, HEADER_BYTES, c.length - HEADER_BYTES));
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /**
   * An output stream that cuts exactly {@code totalBytes} written bytes into chunks of at most
   * {@code maxChunkBytes}; {@link Writer#chunks()} returns them after {@link Writer#close()}.
   */
  public static Writer writer(long totalBytes, int maxChunkBytes) {
    return new Writer(totalBytes, maxChunkBytes);
  }

  /** The number of chunks {@code totalBytes} take at {@code maxChunkBytes} per chunk. */
  public static int chunkCount(long totalBytes, int maxChunkBytes) {
    if (maxChunkBytes <= HEADER_BYTES) {
      throw new IllegalArgumentException(
          "maxChunkBytes is "
              + maxChunkBytes
              + ", which leaves no room for payload after the "
              + HEADER_BYTES
              + "-byte chunk header; pass at least "
              + (HEADER_BYTES + 1)
              + " (in practice a few MiB)");
    }
    if (totalBytes < 0) {
      throw new IllegalArgumentException("totalBytes is " + totalBytes + "; it cannot be negative");
    }
    long perChunk = maxChunkBytes - HEADER_BYTES;
    long n = Math.max(1, (totalBytes + perChunk - 1) / perChunk);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          totalBytes
              + " bytes need "
              + n
              + " chunks of "
              + maxChunkBytes
              + "; raise maxChunkBytes");
    }
    return (int) n;
  }

  private static long verify(List<byte[]> chunks) throws CorruptTrainingStateException {
    if (chunks.isEmpty()) {
      throw new CorruptTrainingStateException(
          "no training state chunks; a chunked state has at least one chunk");
    }
    int declaredCount = -1;
    long declaredTotal = -1;
    BitSet seen = new BitSet();
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
      int index = h.getInt(4);
      int count = h.getInt(8);
      long total = h.getLong(12);
      if (pos == 0) {
        declaredCount = count;
        declaredTotal = total;
        if (count < 1 || total < 0) {
          throw new CorruptTrainingStateException(
              "training state chunk 0 declares " + count + " chunks of " + total + " bytes");
        }
      } else if (count != declaredCount || total != declaredTotal) {
        throw new CorruptTrainingStateException(
            "training state chunk at position "
                + pos
                + " belongs to another state: it declares "
                + count
                + " chunks and "
                + total
                + " bytes, the first chunk "
                + declaredCount
                + " and "
                + declaredTotal);
      }
      if (index >= 0 && index < declaredCount) {
        seen.set(index);
      }
    }
    if (chunks.size() != declaredCount) {
      BitSet missing = new BitSet();
      missing.set(0, Math.min(declaredCount, chunks.size() + 64));
      missing.andNot(seen);
      throw new CorruptTrainingStateException(
          "training state chunks are incomplete: the chunks declare "
              + declaredCount
              + ", got "
              + chunks.size()
              + (missing.isEmpty() ? "" : "; missing chunk(s) " + missing));
    }
    long sum = 0;
    for (int pos = 0; pos < chunks.size(); pos++) {
      byte[] c = chunks.get(pos);
      ByteBuffer h = ByteBuffer.wrap(c, 0, HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      int index = h.getInt(4);
      if (index != pos) {
        throw new CorruptTrainingStateException(
            "training state chunk at position "
                + pos
                + " has index "
                + index
                + "; chunks must be given in order 0.."
                + (declaredCount - 1)
                + (seen.cardinality() < declaredCount
                    ? " and chunk(s) " + missingOf(seen, declaredCount) + " are missing"
                    : ""));
      }
      CRC32C crc = new CRC32C();
      crc.update(c, HEADER_BYTES, c.length - HEADER_BYTES);
      int stored = h.getInt(20);
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
      sum += c.length - HEADER_BYTES;
    }
    if (sum != declaredTotal) {
      throw new CorruptTrainingStateException(
          "training state chunk payloads add up to "
              + sum
              + " bytes but the chunks declare "
              + declaredTotal
              + "; a chunk was truncated or padded");
    }
    return declaredTotal;
  }

  private static BitSet missingOf(BitSet seen, int count) {
    BitSet missing = new BitSet();
    missing.set(0, count);
    missing.andNot(seen);
    return missing;
  }

  /**
   * Writes exactly the announced number of bytes into chunks; a chunk is allocated when its first
   * byte arrives, so the chunks are the only copy of the data.
   */
  public static final class Writer extends OutputStream {
    private final long total;
    private final int perChunk;
    private final int count;
    private final List<byte[]> chunks;
    private byte[] current;
    private int position;
    private long written;
    private boolean closed;

    private Writer(long total, int maxChunkBytes) {
      this.count = chunkCount(total, maxChunkBytes);
      this.total = total;
      this.perChunk = maxChunkBytes - HEADER_BYTES;
      this.chunks = new ArrayList<>(count);
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (closed) {
        throw new IllegalStateException("chunk writer is closed");
      }
      if (len > total - written) {
        throw new IllegalStateException(
            "chunk writer announced "
                + total
                + " bytes but is asked to write "
                + (written + len)
                + "; pass the exact encoded size to writer()");
      }
      while (len > 0) {
        if (current == null || position == current.length) {
          startChunk();
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(b, off, current, position, n);
        position += n;
        off += n;
        len -= n;
        written += n;
      }
    }

    private void startChunk() {
      if (current != null) {
        seal();
      }
      long remaining = total - written;
      current = new byte[HEADER_BYTES + (int) Math.min(perChunk, remaining)];
      position = HEADER_BYTES;
    }

    private void seal() {
      CRC32C crc = new CRC32C();
      crc.update(current, HEADER_BYTES, current.length - HEADER_BYTES);
      ByteBuffer.wrap(current, 0, HEADER_BYTES)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putInt(MAGIC)
          .putInt(chunks.size())
          .putInt(count)
          .putLong(total)
          .putInt((int) crc.getValue());
      chunks.add(current);
    }

    /**
     * Seals the last chunk.
     *
     * @throws IllegalStateException if fewer bytes were written than announced
     */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      if (written != total) {
        throw new IllegalStateException(
            "chunk writer announced " + total + " bytes but got " + written);
      }
      if (current == null) {
        startChunk(); // total == 0: one chunk with an empty payload
      }
      seal();
      closed = true;
    }

    /** The chunks, in order; only after {@link #close()}. */
    public List<byte[]> chunks() {
      if (!closed) {
        throw new IllegalStateException("close the chunk writer before taking its chunks");
      }
      return Collections.unmodifiableList(chunks);
    }
  }
}
