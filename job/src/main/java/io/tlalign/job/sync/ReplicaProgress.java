package io.tlalign.job.sync;

import java.util.List;

/**
 * Where a replica stands in the sync protocol, as one named value in operator state: which replica
 * of how many wrote it (a restore under another {@code tlalign.replicas} is refused), the rounds
 * already settled, the round it waits for, and how far its end of input has gone. A Java record, so
 * Flink serializes it as a POJO type by field name.
 *
 * @param replica the subtask index that wrote it
 * @param replicas P when it was written
 * @param floor rounds up to this one are applied or skipped; their messages are dropped
 * @param awaiting the round whose average must be applied before the next step, or -1 for none
 * @param inputEnded the batches input has ended
 * @param finalPublished the final parameters are published
 * @param finalApplied the final average is applied (or skipped): the replica is done
 */
public record ReplicaProgress(
    int replica,
    int replicas,
    long floor,
    long awaiting,
    boolean inputEnded,
    boolean finalPublished,
    boolean finalApplied) {

  /** The number of longs of the previous encoding, a {@code ListState<Long>} in this order. */
  static final int LEGACY_LONGS = 7;

  /**
   * The progress from a checkpoint of the previous version, which stored it as seven positional
   * longs: replica, replicas, floor, awaiting, then the three flags as 0 or 1.
   *
   * @throws IllegalStateException for any other number of values, or a flag that is not 0 or 1
   */
  static ReplicaProgress fromLegacyLongs(List<Long> longs) {
    if (longs.size() != LEGACY_LONGS) {
      throw new IllegalStateException(
          "the checkpoint's replica progress (tlalign-replica-progress) holds "
              + longs.size()
              + " values, expected "
              + LEGACY_LONGS
              + " (replica, replicas, floor, awaiting, inputEnded, finalPublished,"
              + " finalApplied); it was not written by this job's replica operator");
    }
    return new ReplicaProgress(
        Math.toIntExact(longs.get(0)),
        Math.toIntExact(longs.get(1)),
        longs.get(2),
        longs.get(3),
        flag(longs.get(4), "inputEnded"),
        flag(longs.get(5), "finalPublished"),
        flag(longs.get(6), "finalApplied"));
  }

  private static boolean flag(long value, String name) {
    if (value != 0 && value != 1) {
      throw new IllegalStateException(
          "the checkpoint's replica progress has " + name + " = " + value + ", expected 0 or 1");
    }
    return value == 1;
  }

  /**
   * Refuses the progress of another replica or of another replica count.
   *
   * @throws IllegalStateException naming both
   */
  void requireReplica(int expectedReplica, int expectedReplicas) {
    if (replica != expectedReplica || replicas != expectedReplicas) {
      throw new IllegalStateException(
          "replica "
              + expectedReplica
              + " of "
              + expectedReplicas
              + " was handed the state of replica "
              + replica
              + " of "
              + replicas
              + ", in a checkpoint without a rescale point (written before rescaling existed):"
              + " restore it with tlalign.replicas="
              + replicas
              + ", or start fresh");
    }
  }
}
