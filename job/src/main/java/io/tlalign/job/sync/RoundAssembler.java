package io.tlalign.job.sync;

import io.tlalign.schemas.SyncPhase;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects sync messages into rounds: per round, one verified payload per replica.
 *
 * <p>A contribution is accepted only whole: every chunk present once, each passing its CRC, the
 * joined payload matching the declared length and SHA-256. Chunks of one replica arrive in the
 * order it wrote them (one transaction per contribution, one partition), so a gap in that order
 * means a chunk is missing. A round with a damaged, missing or inconsistent contribution is
 * rejected with a reason and never averaged; every replica reads the same messages, so every
 * replica rejects the same rounds.
 *
 * <p>The messages of rounds not yet discarded are {@link #retained() retained} as received, so an
 * operator can put them in its state and {@link #add} them again after a restore.
 */
public final class RoundAssembler {

  /** Where a round stands. */
  public enum Status {
    PENDING,
    COMPLETE,
    REJECTED
  }

  private final String runId;
  private final int epoch;
  private final SyncPhase phase;
  private final int shard;
  private final int replicas;
  private long floor;
  private final List<Retained> retained = new ArrayList<>();
  private final TreeMap<Long, Round> rounds = new TreeMap<>();
  private final long[] lastRound;
  private final int[] lastIndex;
  private final Map<Integer, Long> finalSteps = new HashMap<>();
  private final List<String> reports = new ArrayList<>();

  /** An assembler of whole contributions (broadcast exchange) of epoch 0. */
  public RoundAssembler(String runId, int replicas) {
    this(runId, 0, replicas, SyncPhase.CONTRIBUTION, -1);
  }

  /**
   * An assembler of one kind of message: whole contributions, the shard {@code shard} of every
   * replica's contribution ({@link SyncPhase#SCATTER}, indexed by replica), or every reducer's
   * reduced shard ({@link SyncPhase#GATHER}, indexed by the reducer, which is the shard). Messages
   * of other runs, epochs, phases or shards are ignored.
   */
  public RoundAssembler(String runId, int epoch, int replicas, SyncPhase phase, int shard) {
    this.runId = runId;
    this.epoch = epoch;
    this.phase = phase;
    this.shard = shard;
    this.replicas = replicas;
    this.lastRound = new long[replicas];
    this.lastIndex = new int[replicas];
    Arrays.fill(lastRound, -1);
  }

  /** Ignores rounds up to and including {@code round} from now on (they were applied). */
  public void discardUpTo(long round) {
    floor = Math.max(floor, round);
    rounds.headMap(floor, true).clear();
    retained.removeIf(r -> r.round <= floor);
  }

  public long floor() {
    return floor;
  }

  /** Adds one message of the sync topic; messages of other runs are ignored. */
  public void add(byte[] message) {
    SyncChunk c;
    CorruptSyncDataException failure = null;
    try {
      c = SyncChunk.decode(message);
    } catch (CorruptSyncDataException e) {
      c = e.chunk();
      failure = e;
    }
    add(message, c, failure);
  }

  /**
   * {@link #add(byte[])} for a message the caller decoded once for several assemblers.
   *
   * @param chunk what {@link SyncChunk#decode} returned, or the chunk its failure carries (null
   *     when not even the header could be read)
   * @param failure the decode's failure, or null
   */
  public void add(byte[] message, SyncChunk chunk, CorruptSyncDataException failure) {
    SyncChunk c = chunk;
    if (failure != null) {
      if (c == null) {
        reports.add("unreadable sync message ignored: " + failure.getMessage());
        return;
      }
      if (ours(c) && c.round() > floor) {
        retained.add(new Retained(c.round(), message));
        track(c);
        reject(c.round(), failure.getMessage());
      }
      return;
    }
    if (!ours(c) || c.round() <= floor) {
      return;
    }
    retained.add(new Retained(c.round(), message));
    if (c.replicas() != replicas) {
      reject(
          c.round(),
          c.describe()
              + " was written by a job with "
              + c.replicas()
              + " replicas, not "
              + replicas);
      return;
    }
    if (c.round() == SyncChunk.FINAL_ROUND) {
      finalSteps.put(c.replica(), c.step());
    }
    track(c);
    Round round = rounds.computeIfAbsent(c.round(), k -> new Round());
    if (round.rejected != null) {
      return;
    }
    Part part = round.parts[c.replica()];
    if (part == null) {
      part = new Part(c);
      round.parts[c.replica()] = part;
    } else if (part.count != c.count()
        || part.bytes != c.payloadBytes()
        || !Arrays.equals(part.sha, c.payloadSha256())) {
      reject(c.round(), c.describe() + " disagrees with the contribution's earlier chunks");
      return;
    }
    if (part.lengths[c.index()] >= 0) {
      if (!Arrays.equals(part.chunk(c.index()), c.data())) {
        reject(c.round(), c.describe() + " arrived twice with different bytes");
      }
      return;
    }
    part.chunks[c.index()] = c.data();
    part.lengths[c.index()] = c.data().length;
    part.received++;
    if (part.received == part.count) {
      complete(c, part);
    }
  }

  /** Whether a message belongs to this assembler's run, epoch, phase and shard. */
  private boolean ours(SyncChunk c) {
    return c.runId().equals(runId)
        && c.epoch() == epoch
        && c.phase() == phase
        && (phase != SyncPhase.SCATTER || c.shard() == shard);
  }

  /**
   * Checks that this replica's chunks follow each other without a gap; rejects the round of a
   * missing chunk.
   */
  private void track(SyncChunk c) {
    int r = c.replica();
    if (r < 0 || r >= replicas) {
      return;
    }
    long lr = lastRound[r];
    int li = lastIndex[r];
    if (c.round() == lr) {
      if (c.index() > li + 1) {
        reject(lr, missing(r, lr, li + 1, c));
      }
    } else if (c.round() > lr) {
      Round previous = lr > floor ? rounds.get(lr) : null;
      if (previous != null && previous.rejected == null) {
        Part p = previous.parts[r];
        if (p != null && p.received < p.count) {
          reject(lr, missing(r, lr, li + 1, c));
        }
      }
      if (c.index() != 0) {
        reject(c.round(), missing(r, c.round(), 0, c));
      }
    } else {
      return; // an older position: a duplicate, checked against the stored bytes
    }
    lastRound[r] = c.round();
    lastIndex[r] = Math.max(c.round() == lr ? li : -1, c.index());
  }

  private static String missing(int replica, long round, int index, SyncChunk next) {
    return "chunk "
        + index
        + " of replica "
        + replica
        + ", "
        + (round == SyncChunk.FINAL_ROUND ? "final round" : "round " + round)
        + " is missing (the replica's next message was "
        + next.describe()
        + ")";
  }

  private void complete(SyncChunk c, Part part) {
    long total = 0;
    for (byte[] chunk : part.chunks) {
      total += chunk.length;
    }
    if (total != part.bytes) {
      reject(
          c.round(),
          "replica "
              + c.replica()
              + " declared "
              + part.bytes
              + " payload bytes but its chunks hold "
              + total);
      return;
    }
    byte[] payload = new byte[(int) total];
    int at = 0;
    for (byte[] chunk : part.chunks) {
      System.arraycopy(chunk, 0, payload, at, chunk.length);
      at += chunk.length;
    }
    if (!Arrays.equals(Contribution.sha256(payload), part.sha)) {
      reject(
          c.round(),
          "the contribution of replica "
              + c.replica()
              + " fails its SHA-256 checksum; a chunk was damaged before it was sent");
      return;
    }
    part.payload = payload;
    part.chunks = null;
  }

  private void reject(long roundNumber, String reason) {
    Round round = rounds.computeIfAbsent(roundNumber, k -> new Round());
    if (round.rejected == null) {
      round.rejected = reason;
      Arrays.fill(round.parts, null);
      reports.add(
          (roundNumber == SyncChunk.FINAL_ROUND ? "final round" : "round " + roundNumber)
              + " rejected, it will not be averaged: "
              + reason);
    }
  }

  public Status status(long round) {
    Round r = rounds.get(round);
    if (r == null) {
      return Status.PENDING;
    }
    if (r.rejected != null) {
      return Status.REJECTED;
    }
    for (Part p : r.parts) {
      if (p == null || p.payload == null) {
        return Status.PENDING;
      }
    }
    return Status.COMPLETE;
  }

  /** Why a rejected round was rejected. */
  public String rejection(long round) {
    Round r = rounds.get(round);
    return r == null ? null : r.rejected;
  }

  /** The verified payloads of a complete round, in replica order. */
  public List<byte[]> payloads(long round) {
    if (status(round) != Status.COMPLETE) {
      throw new IllegalStateException("round " + round + " is " + status(round));
    }
    List<byte[]> out = new ArrayList<>(replicas);
    for (Part p : rounds.get(round).parts) {
      out.add(p.payload);
    }
    return out;
  }

  /**
   * The verified payload {@code replica} contributed to {@code round}, or null while it is not
   * whole or when the round is rejected: a round some replicas never reach is applied with the
   * contributions of those that do (gradients at the end of a bounded input).
   */
  public byte[] payload(long round, int replica) {
    Round r = rounds.get(round);
    if (r == null || r.rejected != null || r.parts[replica] == null) {
      return null;
    }
    return r.parts[replica].payload;
  }

  /** The step a replica's final contribution was taken at, or null before one arrived. */
  public Long finalStep(int replica) {
    return finalSteps.get(replica);
  }

  /** Messages of rounds above the floor, in arrival order. */
  public List<byte[]> retained() {
    List<byte[]> out = new ArrayList<>(retained.size());
    for (Retained r : retained) {
      out.add(r.message);
    }
    return out;
  }

  /** Problems seen since the last call, as sentences for the log. */
  public List<String> drainReports() {
    List<String> out = new ArrayList<>(reports);
    reports.clear();
    return out;
  }

  /** The lowest round held above the floor (complete, pending or rejected), or null. */
  public Long lowestRound() {
    return rounds.isEmpty() ? null : rounds.firstKey();
  }

  /** Rounds currently held (complete, pending or rejected). */
  public int heldRounds() {
    return rounds.size();
  }

  private record Retained(long round, byte[] message) {}

  private final class Round {
    final Part[] parts = new Part[replicas];
    String rejected;
  }

  private static final class Part {
    final int count;
    final long bytes;
    final byte[] sha;
    byte[][] chunks;
    final int[] lengths;
    int received;
    byte[] payload;

    Part(SyncChunk c) {
      count = c.count();
      bytes = c.payloadBytes();
      sha = c.payloadSha256();
      chunks = new byte[c.count()][];
      lengths = new int[c.count()];
      Arrays.fill(lengths, -1);
    }

    /** The bytes of chunk {@code i}, received before (also once the payload is joined). */
    byte[] chunk(int i) {
      if (payload == null) {
        return chunks[i];
      }
      int from = 0;
      for (int k = 0; k < i; k++) {
        from += lengths[k];
      }
      return Arrays.copyOfRange(payload, from, from + lengths[i]);
    }
  }
}
