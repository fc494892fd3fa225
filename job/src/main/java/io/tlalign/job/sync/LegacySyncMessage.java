package io.tlalign.job.sync;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.zip.CRC32;

/**
 * The reader of the sync messages that builds before the shared chunk frame wrote (magic {@code
 * TLSY}): a replica's operator state keeps the messages of rounds not applied yet, so a job
 * restored from such a checkpoint still reads them. Nothing writes this layout any more.
 *
 * <p>Layout (big-endian): magic {@code TLSY}, version byte 1, run id (modified UTF-8), round, the
 * replica's local step, replica index, replica count, chunk index, chunk count, the contribution's
 * total payload bytes, the SHA-256 of the whole payload (32 bytes), data length, data, then the
 * CRC-32 of everything before it.
 */
final class LegacySyncMessage {

  static final int MAGIC = 0x544C5359; // "TLSY", big-endian
  static final byte VERSION = 1;

  private LegacySyncMessage() {}

  /** Whether {@code message} starts with "TLSY". */
  static boolean hasMagic(byte[] message) {
    return message != null
        && message.length >= 4
        && ((message[0] & 0xFF) << 24
                | (message[1] & 0xFF) << 16
                | (message[2] & 0xFF) << 8
                | (message[3] & 0xFF))
            == MAGIC;
  }

  /**
   * Decodes and checks one message.
   *
   * @throws CorruptSyncDataException when the bytes are not an intact sync message
   */
  static SyncChunk decode(byte[] message) throws CorruptSyncDataException {
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
          SyncChunk.of(
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
}
