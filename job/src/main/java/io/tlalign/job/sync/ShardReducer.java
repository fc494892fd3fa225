package io.tlalign.job.sync;

import io.tlalign.model.state.CorruptTrainingStateException;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.schemas.SyncPhase;
import java.util.ArrayList;
import java.util.List;

/**
 * Replica s's part of a sharded round (reduce-scatter): it collects shard s of every replica's
 * contribution and, round by round in order, reduces them to shard s of the round's mean, which it
 * publishes to every replica (all-gather). The mean is summed in replica order with the same float
 * arithmetic as {@link ReplicaAverage}, element by element, so the joined shards are bit for bit
 * the mean a replica computes from whole contributions.
 *
 * <p>A round it cannot reduce (a damaged or inconsistent shard, a replica whose input ended before
 * the round, a replica whose loss was not finite under gradients) is published as a refusal with
 * its reason, so every replica skips it alike. Only the shards of rounds not yet reduced are held
 * (P x M/P per round), as messages that an operator keeps in its state ({@link #retained()}).
 */
final class ShardReducer {

  /** Metadata key of a reduced shard that is a refusal: why the round is skipped. */
  static final String META_REFUSAL = "tlalign.sync.refusal";

  /** One reduced shard to publish. */
  record Reduced(long round, long step, TrainingState payload) {}

  private final SyncSettings sync;
  private final String preset;
  private final RoundAssembler scatter;
  private boolean finalReduced;

  ShardReducer(SyncSettings sync, String preset, int epoch, int shard) {
    this.sync = sync;
    this.preset = preset;
    this.scatter =
        new RoundAssembler(sync.runId(), epoch, sync.replicas(), SyncPhase.SCATTER, shard);
  }

  /** Adds one scatter message (messages of other phases, shards, runs or epochs are ignored). */
  void add(byte[] message) {
    scatter.add(message);
  }

  /** {@link #add(byte[])} for a message the caller decoded (see {@link RoundAssembler#add}). */
  void add(byte[] message, SyncChunk chunk, CorruptSyncDataException failure) {
    scatter.add(message, chunk, failure);
  }

  /** Where the reducer stands, for operator state: rounds up to it are reduced, and the final. */
  long floor() {
    return scatter.floor();
  }

  boolean finalReduced() {
    return finalReduced;
  }

  /** Restores the position {@link #floor()} and {@link #finalReduced()} reported. */
  void restore(long floor, boolean finalDone) {
    scatter.discardUpTo(floor);
    finalReduced = finalDone;
  }

  /** The step replica {@code replica}'s final contribution was taken at, or null before it came. */
  Long finalStep(int replica) {
    return scatter.finalStep(replica);
  }

  List<byte[]> retained() {
    return scatter.retained();
  }

  List<String> drainReports() {
    return scatter.drainReports();
  }

  /** Which replicas' shards of {@code round} have not arrived whole, for stall reports. */
  List<Integer> missing(long round) {
    List<Integer> out = new ArrayList<>();
    for (int j = 0; j < sync.replicas(); j++) {
      if (scatter.payload(round, j) == null) {
        out.add(j);
      }
    }
    return out;
  }

  /** The lowest round waiting to be reduced, or null. */
  Long awaitedRound() {
    Long q = scatter.lowestRound();
    return q == null || (q == SyncChunk.FINAL_ROUND && finalReduced) ? null : q;
  }

  /** Reduces every round that can be reduced now, in round order. */
  List<Reduced> reduceReady() {
    List<Reduced> out = new ArrayList<>();
    while (true) {
      Long next = awaitedRound();
      if (next == null) {
        return out;
      }
      Reduced r = reduce(next);
      if (r == null) {
        return out;
      }
      out.add(r);
      if (next == SyncChunk.FINAL_ROUND) {
        finalReduced = true;
      } else {
        scatter.discardUpTo(next);
      }
    }
  }

  /** Round {@code round}'s reduced shard, or null while a shard can still arrive. */
  private Reduced reduce(long round) {
    if (scatter.status(round) == RoundAssembler.Status.REJECTED) {
      return refusal(round, "round rejected: " + scatter.rejection(round));
    }
    boolean gradients = sync.rule() == SyncRule.GRADIENTS && round != SyncChunk.FINAL_ROUND;
    List<TrainingState> present = new ArrayList<>();
    for (int j = 0; j < sync.replicas(); j++) {
      byte[] payload = scatter.payload(round, j);
      if (payload == null) {
        Long ended = scatter.finalStep(j);
        if (round == SyncChunk.FINAL_ROUND || ended == null) {
          return null;
        }
        if (gradients ? ended < round : ended < round * sync.everySteps()) {
          if (gradients) {
            continue; // replica j's input ended before this round: the others' batches make it
          }
          return refusal(round, "a replica's input ended before this round");
        }
        return null;
      }
      try {
        present.add(TrainingStateFormat.fromBytes(payload));
      } catch (CorruptTrainingStateException e) {
        return refusal(round, "the shard of replica " + j + " does not decode: " + e.getMessage());
      }
    }
    if (present.isEmpty()) {
      return refusal(round, "no replica reaches this round");
    }
    PayloadKind kind;
    try {
      kind = PayloadKind.of(present.get(0));
      for (int j = 1; j < present.size(); j++) {
        PayloadKind other = PayloadKind.of(present.get(j));
        if (other != kind) {
          return refusal(
              round, "a replica sent " + other.label() + " where another sent " + kind.label());
        }
      }
    } catch (IllegalArgumentException e) {
      return refusal(round, e.getMessage());
    }
    long step = 0;
    for (TrainingState c : present) {
      step = Math.max(step, c.step());
    }
    List<NamedTensor> mean;
    int batch = 0;
    try {
      if (kind == PayloadKind.GRADIENTS) {
        mean = ReplicaAverage.gradients(present);
        if (mean == null) {
          return refusal(round, "a replica's loss in round " + round + " was not finite");
        }
        batch = ReplicaAverage.totalBatch(present);
      } else {
        mean = ReplicaAverage.mean(present.stream().map(TrainingState::parameters).toList());
      }
    } catch (IllegalArgumentException e) {
      return refusal(round, e.getMessage());
    }
    TrainingState.Builder b =
        TrainingState.builder()
            .setPreset(preset)
            .setStep(step)
            .setParameters(mean)
            .optOptimizer(new OptimizerState(step, List.of(), List.of()))
            .optMetadata(PayloadKind.KEY, kind.label());
    if (kind == PayloadKind.GRADIENTS) {
      b.optMetadata(Contribution.META_BATCH_SIZE, Integer.toString(batch));
    }
    return new Reduced(round, step, b.build());
  }

  private Reduced refusal(long round, String reason) {
    return new Reduced(
        round,
        0,
        TrainingState.builder()
            .setPreset(preset)
            .setStep(0)
            .setParameters(List.of())
            .optOptimizer(new OptimizerState(0, List.of(), List.of()))
            .optMetadata(META_REFUSAL, reason)
            .build());
  }
}
