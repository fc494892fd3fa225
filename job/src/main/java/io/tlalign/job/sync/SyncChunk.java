package io.tlalign.job.sync;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.RoundContribution;
import io.tlalign.schemas.Sha256;
import io.tlalign.schemas.SyncPhase;
import io.tlalign.schemas.framing.ChunkFrame;
import io.tlalign.schemas.framing.CorruptChunkException;

/**
 * One message of the sync topic: a slice of one replica's contribution to one round.
 *
 * <p>The message is one {@link ChunkFrame}, the framing the training state uses in Flink state too
 * (little-endian; layout in {@link ChunkFrame}): its {@link ChunkHeader} holds the chunk's index
 * and count, the contribution's total payload bytes and SHA-256, and a {@link RoundContribution}
 * (run id, round, step, replica, replica count). The frame's CRC32C catches a damaged message; the
 * payload digest catches a contribution assembled from the wrong pieces. Messages of the earlier
 * TLSY layout, which a restored replica may hold in its state, are read by {@link
 * LegacySyncMessage}.
 *
 * <p>The {@link RoundContribution} says whose message it is: the run (other runs' messages are
 * ignored), the epoch (each rescale starts a new one), the round ({@link #FINAL_ROUND} at the end
 * of input), the replica's step, and under {@code tlalign.sync.exchange=sharded} the phase and
 * shard: {@link SyncPhase#SCATTER} for one shard of a replica's contribution, {@link
 * SyncPhase#GATHER} for a reducer's reduced shard.
 */
public record SyncChunk(
    RoundContribution contribution,
    int index,
    int count,
    long payloadBytes,
    byte[] payloadSha256,
    byte[] data) {

  /** Round number of the contribution a replica publishes when its input has ended. */
  public static final long FINAL_ROUND = Long.MAX_VALUE;

  /** Upper bound of the bytes around the data: the frame's prefix, header and checksum. */
  public static final int MAX_HEADER_BYTES =
      ChunkFrame.MIN_FRAME_BYTES + ChunkFrame.MAX_HEADER_BYTES;

  /** A whole contribution of epoch 0, read by every replica (the layout before sharding). */
  public static SyncChunk of(
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
    return new SyncChunk(
        address(runId, 0, round, step, replica, replicas).build(),
        index,
        count,
        payloadBytes,
        payloadSha256,
        data);
  }

  /** Whose contribution to which round, as a whole contribution; set the phase and shard on it. */
  public static RoundContribution.Builder address(
      String runId, int epoch, long round, long step, int replica, int replicas) {
    return RoundContribution.newBuilder()
        .setRunId(runId)
        .setEpoch(epoch)
        .setRound(round)
        .setStep(step)
        .setReplica(replica)
        .setReplicas(replicas);
  }

  /** What every header of a contribution says besides the chunk's place in it. */
  static ChunkHeader.Builder contributionHeader(RoundContribution address) {
    return ChunkHeader.newBuilder().setContribution(address);
  }

  public String runId() {
    return contribution.getRunId().toString();
  }

  public int epoch() {
    return contribution.getEpoch();
  }

  public long round() {
    return contribution.getRound();
  }

  public long step() {
    return contribution.getStep();
  }

  public int replica() {
    return contribution.getReplica();
  }

  public int replicas() {
    return contribution.getReplicas();
  }

  public SyncPhase phase() {
    return contribution.getPhase();
  }

  public int shard() {
    return contribution.getShard();
  }

  public int shards() {
    return contribution.getShards();
  }

  /** The message bytes. */
  public byte[] encode() {
    ChunkHeader header =
        contributionHeader(contribution)
            .setIndex(index)
            .setCount(count)
            .setPayloadBytes(payloadBytes)
            .setPayloadSha256(new Sha256(payloadSha256))
            .build();
    return ChunkFrame.encode(header, data, 0, data.length);
  }

  /**
   * Decodes and checks one message, in the chunk framing or the earlier TLSY layout.
   *
   * @throws CorruptSyncDataException when the bytes are not an intact sync message; it carries the
   *     chunk when its header could still be read, so its round can be rejected
   */
  public static SyncChunk decode(byte[] message) throws CorruptSyncDataException {
    if (LegacySyncMessage.hasMagic(message)) {
      return LegacySyncMessage.decode(message);
    }
    ChunkFrame frame;
    try {
      frame = ChunkFrame.decode(message);
    } catch (CorruptChunkException e) {
      SyncChunk readable = e.header() == null ? null : of(e.header(), new byte[0]);
      if (readable == null) {
        throw new CorruptSyncDataException(
            "sync message of "
                + (message == null ? 0 : message.length)
                + " bytes is not an intact chunk frame: "
                + e.getMessage());
      }
      throw new CorruptSyncDataException(
          readable.describe()
              + (e.reason() == CorruptChunkException.Reason.CHECKSUM_MISMATCH
                  ? " fails its CRC-32C; the message was damaged (" + e.getMessage() + ")"
                  : " has an impossible header: " + e.getMessage()),
          readable);
    }
    SyncChunk chunk = of(frame.header(), frame.data());
    if (chunk == null) {
      throw new CorruptSyncDataException(
          "sync message is a chunk frame without a round contribution (a training state chunk?)");
    }
    if (chunk.replica() < 0
        || chunk.replica() >= chunk.replicas()
        || chunk.shards() < 1
        || chunk.shard() < 0
        || chunk.shard() >= chunk.shards()) {
      throw new CorruptSyncDataException(chunk.describe() + " has an impossible header", chunk);
    }
    return chunk;
  }

  /** The chunk a header describes, or null for a header without a round contribution. */
  private static SyncChunk of(ChunkHeader h, byte[] data) {
    RoundContribution c = h.getContribution();
    if (c == null) {
      return null;
    }
    return new SyncChunk(
        c, h.getIndex(), h.getCount(), h.getPayloadBytes(), h.getPayloadSha256().bytes(), data);
  }

  /** E.g. "chunk 3/12 of replica 1, round 7", "chunk 0/2 of replica 1's shard 2, round 7". */
  public String describe() {
    return "chunk "
        + index
        + "/"
        + count
        + " of replica "
        + replica()
        + (phase() == SyncPhase.CONTRIBUTION
            ? ""
            : (phase() == SyncPhase.SCATTER ? "'s shard " : "'s reduced shard ") + shard())
        + ", "
        + (round() == FINAL_ROUND ? "final round" : "round " + round())
        + (epoch() == 0 ? "" : " of epoch " + epoch());
  }
}
