package io.tlalign.local.bench;

import java.util.List;
import java.util.Locale;

/**
 * The sync traffic of one {@code bench scale} run with P &gt; 1, to set against the scaling model
 * in BENCHMARKS.md: what the replicas wrote and were delivered ({@code ReplicaTrainOperator}'s
 * traffic accumulator, the attempt that finished) and what the sync topic holds, per exchanged
 * round and in units of M, the bytes of one whole contribution's parameters.
 *
 * <p>Per exchanged round, not per applied round: every round a replica publishes costs its bytes,
 * but the last S rounds before the end of input are never applied (the final round replaces them),
 * so dividing by applied rounds would overstate the cost of a round by E/(E - S) on a short run.
 * The accumulator counts the attempt that finished, the topic every attempt: the two agree on a run
 * without a restart.
 *
 * @param replicas P
 * @param bytesOut the bytes all replicas wrote to the sync topic
 * @param bytesIn the bytes all replicas were delivered from it
 * @param minRounds the fewest rounds a replica applied (the final one included)
 * @param maxRounds the most rounds a replica applied
 * @param topicBytes the bytes of the committed messages on the sync topic (the broker's ingress)
 * @param exchangedRounds the rounds on the sync topic, the final one included
 * @param modelBytes M: 4 x the model's parameter count
 */
public record SyncTraffic(
    int replicas,
    long bytesOut,
    long bytesIn,
    long minRounds,
    long maxRounds,
    long topicBytes,
    int exchangedRounds,
    long modelBytes) {

  /**
   * The traffic from the accumulator's {@code replica=R bytes_out=N bytes_in=M rounds=Q} lines and
   * the sync topic's tally.
   *
   * @throws IllegalStateException when a line is not of that form or there is none
   */
  public static SyncTraffic of(List<String> replicaLines, SyncTopicTally topic, long modelBytes) {
    if (replicaLines == null || replicaLines.isEmpty()) {
      throw new IllegalStateException("the run reported no replica's sync traffic");
    }
    long out = 0;
    long in = 0;
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (String line : replicaLines) {
      long rounds = field(line, "rounds");
      out += field(line, "bytes_out");
      in += field(line, "bytes_in");
      min = Math.min(min, rounds);
      max = Math.max(max, rounds);
    }
    return new SyncTraffic(
        replicaLines.size(), out, in, min, max, topic.bytes(), topic.rounds(), modelBytes);
  }

  /** Mean bytes one replica wrote per exchanged round. */
  public double outPerRound() {
    return (double) bytesOut / replicas / exchangedRounds;
  }

  /** Mean bytes one replica was delivered per exchanged round. */
  public double inPerRound() {
    return (double) bytesIn / replicas / exchangedRounds;
  }

  /** Bytes the broker received per exchanged round. */
  public double brokerInPerRound() {
    return (double) topicBytes / exchangedRounds;
  }

  /** The {@code scale: traffic ...} line of the run. */
  public String line(String exchange) {
    return String.format(
        Locale.ROOT,
        "scale: traffic replicas=%d exchange=%s rounds=%s exchanged_rounds=%d M_bytes=%d"
            + " out_per_round_MB=%.3f in_per_round_MB=%.3f out_over_M=%.3f in_over_M=%.3f"
            + " broker_in_over_M=%.3f",
        replicas,
        exchange,
        minRounds == maxRounds ? Long.toString(minRounds) : minRounds + "-" + maxRounds,
        exchangedRounds,
        modelBytes,
        outPerRound() / 1e6,
        inPerRound() / 1e6,
        outPerRound() / modelBytes,
        inPerRound() / modelBytes,
        brokerInPerRound() / modelBytes);
  }

  private static long field(String line, String name) {
    for (String part : line.trim().split(" ")) {
      if (part.startsWith(name + "=")) {
        try {
          return Long.parseLong(part.substring(name.length() + 1));
        } catch (NumberFormatException e) {
          break;
        }
      }
    }
    throw new IllegalStateException(
        "a replica's traffic line \"" + line + "\" has no number " + name + "=N");
  }
}
