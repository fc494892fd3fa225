package io.tlalign.job.sync;

import java.util.List;

/**
 * Tells when a replica has waited too long for a round: after the stall warning and again at each
 * doubling of the wait, with the replicas (or shard reducers) it still waits for. It only reports;
 * what a replica applies never depends on time.
 */
final class StallWatch {

  private final long warnAfterMs;
  private long round = -1;
  private long since;
  private long nextWarn;
  private int stalled;

  /** Times are the operator's processing time in ms, so a test harness can move them. */
  StallWatch(long warnAfterMs) {
    this.warnAfterMs = Math.max(1, warnAfterMs);
  }

  /**
   * Notes a wait for {@code round}.
   *
   * @return true when the wait just began, so the caller arms a check
   */
  boolean waiting(long awaited, long nowMs) {
    if (round == awaited) {
      return false;
    }
    round = awaited;
    since = nowMs;
    nextWarn = nowMs + warnAfterMs;
    stalled = 0;
    return true;
  }

  /** The wait is over. */
  void resumed() {
    round = -1;
    stalled = 0;
  }

  boolean active() {
    return round != -1;
  }

  long round() {
    return round;
  }

  /** Whether a warning is due now. */
  boolean due(long nowMs) {
    return active() && nowMs >= nextWarn;
  }

  /** Milliseconds until the next warning could be due (at least 1). */
  long nextCheckMs(long nowMs) {
    return Math.max(1, nextWarn - nowMs);
  }

  /** How long the current wait has lasted, 0 when none. */
  long ageMs(long nowMs) {
    return active() ? nowMs - since : 0;
  }

  /** How many replicas the last warning named. */
  int stalledReplicas() {
    return active() ? stalled : 0;
  }

  /**
   * The warning for now, naming the missing replicas; the next one is due when the wait has
   * doubled.
   *
   * @param whose "replicas" or "shard reducers"
   * @param missing the replicas (broadcast) or shard reducers (sharded) whose part is missing
   * @param ownShard sharded: what the replica's own reducer lacks, or null
   */
  String report(
      int replica, long awaited, String whose, List<Integer> missing, String ownShard, long nowMs) {
    long waited = nowMs - since;
    nextWarn = since + 2 * waited;
    stalled = missing.size();
    return "replica "
        + replica
        + " has waited "
        + waited / 1000
        + " s for "
        + (awaited == SyncChunk.FINAL_ROUND ? "the final round" : "round " + awaited)
        + (missing.isEmpty() ? "" : "; missing the part of " + whose + " " + missing)
        + (ownShard == null ? "" : "; " + ownShard)
        + " (a stalled or lost replica; rounds complete once its part arrives)";
  }
}
