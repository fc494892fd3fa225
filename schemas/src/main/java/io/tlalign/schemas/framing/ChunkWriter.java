package io.tlalign.schemas.framing;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.Sha256;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Cuts a payload of announced length into {@link ChunkFrame}s while it is written: each frame is
 * allocated when its first byte arrives and the data goes straight into it, so the frames are the
 * only copy of the payload. Headers carry the payload's SHA-256, known only at the end, so they are
 * written by {@link #close()}; their length does not depend on the digest, so each frame's room for
 * its header is known when the frame starts.
 *
 * <p>Every frame but the last carries exactly {@code dataBytesPerChunk} bytes of data.
 */
public final class ChunkWriter extends OutputStream {

  private static final Sha256 NOT_YET = new Sha256(new byte[32]);

  private final ChunkHeader.Builder describe;
  private final long total;
  private final int perChunk;
  private final int count;
  private final MessageDigest sha = sha256();
  private final List<byte[]> frames;
  private final int[] headerLengths;
  private byte[] current;
  private int position;
  private long written;
  private boolean closed;

  private ChunkWriter(ChunkHeader.Builder describe, long total, int perChunk) {
    this.count = chunkCount(total, perChunk);
    this.describe = ChunkHeader.newBuilder(describe);
    this.total = total;
    this.perChunk = perChunk;
    this.frames = new ArrayList<>(count);
    this.headerLengths = new int[count];
  }

  /**
   * A writer for a payload of exactly {@code payloadBytes}.
   *
   * @param describe what every header says beyond the chunk's place (e.g. the round contribution);
   *     copied, and its index, count, length and digest are set by the writer
   */
  public static ChunkWriter open(
      ChunkHeader.Builder describe, long payloadBytes, int dataBytesPerChunk) {
    return new ChunkWriter(describe, payloadBytes, dataBytesPerChunk);
  }

  /** The frames of {@code payload}, in order. */
  public static List<byte[]> cut(
      ChunkHeader.Builder describe, byte[] payload, int dataBytesPerChunk) {
    ChunkWriter w = open(describe, payload.length, dataBytesPerChunk);
    w.write(payload, 0, payload.length);
    w.close();
    return w.frames();
  }

  /** The number of frames {@code payloadBytes} take at {@code dataBytesPerChunk} per frame. */
  public static int chunkCount(long payloadBytes, int dataBytesPerChunk) {
    if (dataBytesPerChunk < 1) {
      throw new IllegalArgumentException(
          "dataBytesPerChunk is " + dataBytesPerChunk + "; a chunk must carry at least one byte");
    }
    if (payloadBytes < 0) {
      throw new IllegalArgumentException(
          "payloadBytes is " + payloadBytes + "; it cannot be negative");
    }
    long n = Math.max(1, (payloadBytes + dataBytesPerChunk - 1) / dataBytesPerChunk);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          payloadBytes
              + " bytes need "
              + n
              + " chunks of "
              + dataBytesPerChunk
              + " data bytes; raise the chunk size");
    }
    return (int) n;
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
              + "; pass the exact payload size to open()");
    }
    sha.update(b, off, len);
    while (len > 0) {
      if (current == null || position == current.length - ChunkFrame.CHECKSUM_BYTES) {
        startFrame();
      }
      int n = Math.min(len, current.length - ChunkFrame.CHECKSUM_BYTES - position);
      System.arraycopy(b, off, current, position, n);
      position += n;
      off += n;
      len -= n;
      written += n;
    }
  }

  private void startFrame() {
    int index = frames.size();
    int dataLength = (int) Math.min(perChunk, total - written);
    int headerLength = ChunkFrame.encodeHeader(header(index, NOT_YET)).length;
    current = ChunkFrame.allocate(headerLength, dataLength);
    position = ChunkFrame.PREFIX_BYTES + headerLength;
    headerLengths[index] = headerLength;
    frames.add(current);
  }

  private ChunkHeader header(int index, Sha256 digest) {
    return ChunkHeader.newBuilder(describe)
        .setIndex(index)
        .setCount(count)
        .setPayloadBytes(total)
        .setPayloadSha256(digest)
        .build();
  }

  /**
   * Writes every frame's header and checksum.
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
    if (frames.isEmpty()) {
      startFrame(); // an empty payload: one frame without data
    }
    Sha256 digest = new Sha256(sha.digest());
    for (int i = 0; i < frames.size(); i++) {
      byte[] header = ChunkFrame.encodeHeader(header(i, digest));
      if (header.length != headerLengths[i]) {
        throw new IllegalStateException(
            "chunk header "
                + i
                + " encodes to "
                + header.length
                + " bytes with the digest, "
                + headerLengths[i]
                + " without");
      }
      ChunkFrame.seal(frames.get(i), header);
    }
    closed = true;
  }

  /** The frames, in order; only after {@link #close()}. */
  public List<byte[]> frames() {
    if (!closed) {
      throw new IllegalStateException("close the chunk writer before taking its frames");
    }
    return Collections.unmodifiableList(frames);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }
}
