package io.tlalign.job.sync;

import io.tlalign.job.settings.TlAlignOptions;
import java.io.Serializable;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How replicas keep in step, read once from the job's options and shipped with the operators.
 *
 * @param runId the job's sync identity: its consumer group id, the same across restores
 * @param replicas P
 * @param everySteps K, local steps per round
 * @param lagRounds S, rounds between publishing a round and applying its average
 * @param chunkBytes payload bytes per sync message
 * @param averageMoments whether AdamW's moments are averaged too
 * @param rule what a round carries and how its average applies
 * @param outerLearningRate the outer optimizer's rate under {@link SyncRule#UPDATES}
 * @param outerMomentum the outer optimizer's Nesterov momentum under {@link SyncRule#UPDATES}
 * @param faultReplica the replica a train fault drill fires in, or -1 for whichever gets there
 * @param exchange how the contributions of a round meet: broadcast to all, or sharded
 * @param stallWarnMs ms of waiting for a round before a replica reports who it waits for
 */
public record SyncSettings(
    String runId,
    int replicas,
    int everySteps,
    int lagRounds,
    int chunkBytes,
    boolean averageMoments,
    SyncRule rule,
    double outerLearningRate,
    double outerMomentum,
    int faultReplica,
    SyncExchange exchange,
    long stallWarnMs)
    implements Serializable {

  public SyncSettings {
    if (rule == SyncRule.GRADIENTS && (everySteps != 1 || lagRounds != 0)) {
      throw new IllegalArgumentException(
          TlAlignOptions.SYNC_APPLY.key()
              + " = gradients exchanges every step's gradients and waits for them: it needs "
              + TlAlignOptions.SYNC_EVERY_STEPS.key()
              + " = 1 and "
              + TlAlignOptions.SYNC_APPLY_LAG_ROUNDS.key()
              + " = 0 (their defaults under this rule), got "
              + everySteps
              + " and "
              + lagRounds);
    }
    if (rule == SyncRule.GRADIENTS && averageMoments) {
      throw new IllegalArgumentException(
          TlAlignOptions.SYNC_AVERAGE_MOMENTS.key()
              + " = true has no use with "
              + TlAlignOptions.SYNC_APPLY.key()
              + " = gradients: every replica applies the same gradients, so the moments are"
              + " equal already; leave it false");
    }
    if (!(outerLearningRate > 0) || !(outerMomentum >= 0 && outerMomentum < 1)) {
      throw new IllegalArgumentException(
          TlAlignOptions.SYNC_OUTER_LR.key()
              + " must be > 0 and "
              + TlAlignOptions.SYNC_OUTER_MOMENTUM.key()
              + " in [0, 1), got "
              + outerLearningRate
              + " and "
              + outerMomentum
              + "; DiLoCo uses 0.7 and 0.9, plain averaging of updates 1 and 0");
    }
  }

  /** Broadcast settings with a minute's stall warning, for tests and benchmarks. */
  public SyncSettings(
      String runId,
      int replicas,
      int everySteps,
      int lagRounds,
      int chunkBytes,
      boolean averageMoments,
      SyncRule rule,
      double outerLearningRate,
      double outerMomentum,
      int faultReplica) {
    this(
        runId,
        replicas,
        everySteps,
        lagRounds,
        chunkBytes,
        averageMoments,
        rule,
        outerLearningRate,
        outerMomentum,
        faultReplica,
        SyncExchange.BROADCAST,
        60_000);
  }

  /** These settings under another exchange. */
  public SyncSettings withExchange(SyncExchange other) {
    return new SyncSettings(
        runId,
        replicas,
        everySteps,
        lagRounds,
        chunkBytes,
        averageMoments,
        rule,
        outerLearningRate,
        outerMomentum,
        faultReplica,
        other,
        stallWarnMs);
  }

  /** Whether contributions are cut into shards reduced by one replica each. */
  public boolean sharded() {
    return exchange == SyncExchange.SHARDED;
  }

  /** The settings of the rules that existed before {@link SyncRule#UPDATES}, for tests. */
  public SyncSettings(
      String runId,
      int replicas,
      int everySteps,
      int lagRounds,
      int chunkBytes,
      boolean averageMoments,
      boolean applyDelta,
      int faultReplica) {
    this(
        runId,
        replicas,
        everySteps,
        lagRounds,
        chunkBytes,
        averageMoments,
        applyDelta ? SyncRule.DELTA : SyncRule.REPLACE,
        1.0,
        0.0,
        faultReplica);
  }

  /** Whether a round applies as parameters + average - own contribution. */
  public boolean applyDelta() {
    return rule == SyncRule.DELTA;
  }

  /**
   * True for delta, false for replace; any other rule is accepted too (false).
   *
   * @throws IllegalArgumentException for a value that names no rule
   */
  public static boolean applyMode(String mode) {
    return SyncRule.parse(mode) == SyncRule.DELTA;
  }

  /**
   * The settings of {@code c}. Under {@link SyncRule#GRADIENTS}, K and S default to 1 and 0 (the
   * only values it takes) when they are not set.
   */
  public static SyncSettings from(ReadableConfig c) {
    SyncRule rule = SyncRule.parse(c.get(TlAlignOptions.SYNC_APPLY));
    boolean gradients = rule == SyncRule.GRADIENTS;
    return new SyncSettings(
        c.get(TlAlignOptions.GROUP_ID),
        c.get(TlAlignOptions.REPLICAS),
        c.getOptional(TlAlignOptions.SYNC_EVERY_STEPS)
            .orElse(gradients ? 1 : TlAlignOptions.SYNC_EVERY_STEPS.defaultValue()),
        c.getOptional(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS)
            .orElse(gradients ? 0 : TlAlignOptions.SYNC_APPLY_LAG_ROUNDS.defaultValue()),
        c.get(TlAlignOptions.SYNC_CHUNK_BYTES),
        c.get(TlAlignOptions.SYNC_AVERAGE_MOMENTS),
        rule,
        c.get(TlAlignOptions.SYNC_OUTER_LR),
        c.get(TlAlignOptions.SYNC_OUTER_MOMENTUM),
        c.get(TlAlignOptions.FAULT_REPLICA),
        SyncExchange.parse(c.get(TlAlignOptions.SYNC_EXCHANGE)),
        stallWarnMs(c));
  }

  /**
   * The stall warning: as set, else a minute or four checkpoint intervals, whichever is longer (a
   * sharded round takes two checkpoints, so a shorter default would warn about every round).
   */
  static long stallWarnMs(ReadableConfig c) {
    return c.getOptional(TlAlignOptions.SYNC_STALL_WARN)
        .map(java.time.Duration::toMillis)
        .orElse(
            Math.max(
                TlAlignOptions.SYNC_STALL_WARN.defaultValue().toMillis(),
                4 * c.get(TlAlignOptions.CHECKPOINT_INTERVAL).toMillis()));
  }
}
