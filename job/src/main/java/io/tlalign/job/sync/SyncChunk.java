package io.tlalign.job.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;

/**
 * One message of the sync topic: a slice of one replica's contribution to one round.
 *
 * <p>Layout (big-endian): magic {@code TLSY}, version byte, run id (modified UTF-8), round, the
 * replica's local step, replica index, replica count, chunk index, chunk count, the contribution's
 * total payload bytes, the SHA-256 of the whole payload (32 bytes), data length, data, then the
 * CRC-32 of everything before it. The chunk CRC catches a damaged message; the payload digest
 * catches a contribution assembled from the wrong pieces.
 *
 * @param runId the job's sync identity (its consumer group id); other runs' messages are ignored
 * @param round the round, from 1; {@link #FINAL_ROUND} for the contribution at the end of input
 * @param step the replica's local step when it published
 */
public record SyncChunk(
    String runId,
    long round,
    long step,
    int replica,
    int replicas,
    int index,
    int count,
    long payloadBytes,
    byte[] payloadSha256,
    byte[] data) {

  public static final int MAGIC = 0x544C5359; // "TLSY"
  public static final byte VERSION = 1;

  /** Round number of the contribution a replica publishes when its input has ended. */
  public static final long FINAL_ROUND = Long.MAX_VALUE;

  /** Upper bound of the bytes around the data. */
  public static final int MAX_HEADER_BYTES = 1024;

  /** The message bytes. */
  public byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(data.length + 128);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      out.writeUTF(runId);
      out.writeLong(round);
      out.writeLong(step);
      out.writeInt(replica);
      out.writeInt(replicas);
      out.writeInt(index);
      out.writeInt(count);
      out.writeLong(payloadBytes);
      out.write(payloadSha256);
      out.writeInt(data.length);
      out.write(data);
      out.flush();
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
  }

  /**
   * Decodes and checks one message.
   *
   * @throws CorruptSyncDataException when the bytes are not an intact sync message
   */
  public static SyncChunk decode(byte[] message) throws CorruptSyncDataException {
    if (message == null || message.length < 4 + 1 + 4) {
      throw new CorruptSyncDataException(
          "sync message of " + (message == null ? 0 : message.length) + " bytes is too short");
    }
    CRC32 crc = new CRC32();
    crc.update(message, 0, message.length - 4);
    int stored =
        ((message[message.length - 4] & 0xFF) << 24)
            | ((message[message.length - 3] & 0xFF) << 16)
            | ((message[message.length - 2] & 0xFF) << 8)
            | (message[message.length - 1] & 0xFF);
    try (DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(message, 0, message.length - 4))) {
      if (in.readInt() != MAGIC) {
        throw new CorruptSyncDataException("sync message does not start with TLSY");
      }
      byte version = in.readByte();
      if (version != VERSION) {
        throw new CorruptSyncDataException(
            "sync message version " + version + " is not " + VERSION + "; mixed job versions?");
      }
      String runId = in.readUTF();
      long round = in.readLong();
      long step = in.readLong();
      int replica = in.readInt();
      int replicas = in.readInt();
      int index = in.readInt();
      int count = in.readInt();
      long payloadBytes = in.readLong();
      byte[] sha = in.readNBytes(32);
      int length = in.readInt();
      if (length < 0 || length > in.available()) {
        throw new CorruptSyncDataException(
            "sync message of round " + round + " declares " + length + " data bytes; truncated");
      }
      byte[] data = in.readNBytes(length);
      SyncChunk chunk =
          new SyncChunk(
              runId, round, step, replica, replicas, index, count, payloadBytes, sha, data);
      if ((int) crc.getValue() != stored) {
        throw new CorruptSyncDataException(
            chunk.describe() + " fails its CRC-32; the message was damaged", chunk);
      }
      if (in.available() != 0
          || replica < 0
          || replica >= replicas
          || index < 0
          || index >= count) {
        throw new CorruptSyncDataException(chunk.describe() + " has an impossible header", chunk);
      }
      return chunk;
    } catch (IOException e) {
      throw new CorruptSyncDataException("sync message is truncated: " + e.getMessage());
    }
  }

  /** E.g. "chunk 3/12 of replica 1, round 7". */
  public String describe() {
    return "chunk "
        + index
        + "/"
        + count
        + " of replica "
        + replica
        + ", "
        + (round == FINAL_ROUND ? "final round" : "round " + round);
  }
}
