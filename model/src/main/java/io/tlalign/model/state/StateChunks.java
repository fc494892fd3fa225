package io.tlalign.model.state;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.RoundContribution;
import io.tlalign.schemas.framing.ChunkFrame;
import io.tlalign.schemas.framing.ChunkWriter;
import io.tlalign.schemas.framing.CorruptChunkException;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

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
 * <p>Each chunk is one {@link ChunkFrame}, the framing the sync topic uses too (little-endian;
 * CRC32C per chunk, the state's SHA-256 in every header):
 *
 * <pre>
 * offset   size  field
 * 0        4     magic, ASCII "TLCF" (54 4C 43 46)
 * 4        4     int32  frame version = 1
 * 8        4     int32  H: header length
 * 12       4     int32  D: data length
 * 16       H     header: a ChunkHeader (Avro single-object encoding): index, count n, total
 *                  length T of the encoded state, its SHA-256; no round contribution
 * 16+H     D     data: the next bytes of the encoded state
 * 16+H+D   4     CRC32C of bytes [0, 16+H+D)
 * </pre>
 *
 * <p>Every chunk but the last carries exactly {@code maxChunkBytes - }{@link #HEADER_BYTES} data
 * bytes. Chunks of the earlier TLCK framing (checkpoints of builds before this framing) are still
 * read, by {@link LegacyStateChunks}; the first chunk's magic says which framing a list is in.
 */
public final class StateChunks {

  /**
   * The most bytes the framing adds around a chunk's data (prefix, header at its widest, checksum):
   * a chunk of at most {@code maxChunkBytes} carries {@code maxChunkBytes - HEADER_BYTES} of data.
   */
  public static final int HEADER_BYTES = ChunkFrame.overheadBound(ChunkHeader.newBuilder());

  private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  private StateChunks() {}

  /**
   * Cuts {@code bytes} into chunks of at most {@code maxChunkBytes} bytes each, framing included.
   * An empty input gives one chunk with no data.
   */
  public static List<byte[]> split(byte[] bytes, int maxChunkBytes) {
    ChunkWriter w = writer(bytes.length, maxChunkBytes);
    w.write(bytes, 0, bytes.length);
    w.close();
    return w.frames();
  }

  /**
   * Joins chunks made by {@link #split} or {@link #writer} (or TLCK chunks of earlier builds) back
   * into the original bytes, after checking every chunk's frame and checksum and the state's
   * SHA-256.
   *
   * @throws CorruptTrainingStateException naming the missing, misplaced or altered chunk
   */
  public static byte[] join(List<byte[]> chunks) throws CorruptTrainingStateException {
    try (InputStream in = open(chunks)) {
      byte[] joined = in.readNBytes(MAX_ARRAY_BYTES);
      if (in.read() >= 0) {
        throw new CorruptTrainingStateException(
            "training state chunks hold more bytes than one Java array holds; read them with"
                + " open(chunks)");
      }
      return joined;
    } catch (CorruptTrainingStateException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading chunks in memory cannot fail", e);
    }
  }

  /**
   * Checks every chunk as {@link #join} does, then returns a stream over the joined data that
   * copies nothing.
   *
   * @throws CorruptTrainingStateException naming the missing, misplaced or altered chunk
   */
  public static InputStream open(List<byte[]> chunks) throws CorruptTrainingStateException {
    if (LegacyStateChunks.isLegacy(chunks)) {
      return LegacyStateChunks.open(chunks);
    }
    List<InputStream> parts = new ArrayList<>(chunks.size());
    for (ChunkFrame f : verify(chunks)) {
      parts.add(f.dataStream());
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /**
   * An output stream that cuts exactly {@code totalBytes} written bytes into chunks of at most
   * {@code maxChunkBytes}; {@link ChunkWriter#frames()} returns them after {@link
   * ChunkWriter#close()}.
   */
  public static ChunkWriter writer(long totalBytes, int maxChunkBytes) {
    chunkCount(totalBytes, maxChunkBytes);
    return ChunkWriter.open(ChunkHeader.newBuilder(), totalBytes, maxChunkBytes - HEADER_BYTES);
  }

  /** The number of chunks {@code totalBytes} take at {@code maxChunkBytes} per chunk. */
  public static int chunkCount(long totalBytes, int maxChunkBytes) {
    if (maxChunkBytes <= HEADER_BYTES) {
      throw new IllegalArgumentException(
          "maxChunkBytes is "
              + maxChunkBytes
              + ", which leaves no room for data after the "
              + HEADER_BYTES
              + " bytes of chunk framing; pass at least "
              + (HEADER_BYTES + 1)
              + " (in practice a few MiB)");
    }
    return ChunkWriter.chunkCount(totalBytes, maxChunkBytes - HEADER_BYTES);
  }

  // ---------------------------------------------------------------------------------- checks

  private static List<ChunkFrame> verify(List<byte[]> chunks) throws CorruptTrainingStateException {
    if (chunks.isEmpty()) {
      throw new CorruptTrainingStateException(
          "no training state chunks; a chunked state has at least one chunk");
    }
    List<ChunkFrame> frames = new ArrayList<>(chunks.size());
    for (int pos = 0; pos < chunks.size(); pos++) {
      frames.add(frame(chunks.get(pos), pos));
    }
    ChunkHeader first = frames.get(0).header();
    List<ChunkOrder.Place> places = new ArrayList<>(frames.size());
    for (ChunkFrame f : frames) {
      ChunkHeader h = f.header();
      places.add(
          new ChunkOrder.Place(h.getIndex(), h.getCount(), h.getPayloadBytes(), f.dataLength()));
    }
    ChunkOrder.check(places);
    for (int pos = 1; pos < frames.size(); pos++) {
      ChunkHeader h = frames.get(pos).header();
      if (!h.getPayloadSha256().equals(first.getPayloadSha256())) {
        throw new CorruptTrainingStateException(
            "training state chunk at position "
                + pos
                + " belongs to another state: it declares the sha-256 "
                + hex(h)
                + ", the first chunk "
                + hex(first));
      }
    }
    MessageDigest sha = sha256();
    frames.forEach(f -> f.digestData(sha));
    byte[] computed = sha.digest();
    if (!MessageDigest.isEqual(computed, first.getPayloadSha256().bytes())) {
      throw new CorruptTrainingStateException(
          "training state chunks join into bytes of sha-256 "
              + HexFormat.of().formatHex(computed)
              + " but declare "
              + hex(first)
              + "; the chunks were joined from different states");
    }
    return frames;
  }

  /** One chunk's frame, checked, or the refusal that names the chunk. */
  private static ChunkFrame frame(byte[] c, int pos) throws CorruptTrainingStateException {
    if (c == null || c.length < ChunkFrame.MIN_FRAME_BYTES) {
      throw new CorruptTrainingStateException(
          "training state chunk at position "
              + pos
              + " is "
              + (c == null ? "null" : c.length + " bytes")
              + ", shorter than the "
              + ChunkFrame.MIN_FRAME_BYTES
              + "-byte frame of an empty chunk; the chunk was truncated");
    }
    ChunkFrame frame;
    try {
      frame = ChunkFrame.decode(c);
    } catch (CorruptChunkException e) {
      throw new CorruptTrainingStateException(
          switch (e.reason()) {
            case NOT_A_FRAME ->
                "value at position "
                    + pos
                    + " is not a training state chunk (no 'TLCF' magic: "
                    + e.getMessage()
                    + ")";
            case CHECKSUM_MISMATCH ->
                "training state chunk "
                    + pos
                    + " payload "
                    + e.getMessage()
                    + "; the chunk was altered";
            case TRUNCATED ->
                "training state chunk at position "
                    + pos
                    + " is cut short: "
                    + e.getMessage()
                    + "; the chunk was truncated";
            default -> "training state chunk at position " + pos + " is refused: " + e.getMessage();
          },
          e);
    }
    RoundContribution contribution = frame.header().getContribution();
    if (contribution != null) {
      throw new CorruptTrainingStateException(
          "value at position "
              + pos
              + " is not a training state chunk: it is a sync message of run '"
              + contribution.getRunId()
              + "', replica "
              + contribution.getReplica()
              + ", round "
              + contribution.getRound());
    }
    return frame;
  }

  private static String hex(ChunkHeader h) {
    return HexFormat.of().formatHex(h.getPayloadSha256().bytes());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
