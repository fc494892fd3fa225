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
 * @param applyDelta whether a round applies as parameters + average - own contribution
 * @param faultReplica the replica a train fault drill fires in, or -1 for whichever gets there
 */
public record SyncSettings(
    String runId,
    int replicas,
    int everySteps,
    int lagRounds,
    int chunkBytes,
    boolean averageMoments,
    boolean applyDelta,
    int faultReplica)
    implements Serializable {

  /** True for delta, false for replace. */
  public static boolean applyMode(String mode) {
    return switch (mode.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "replace" -> false;
      case "delta" -> true;
      default ->
          throw new IllegalArgumentException(
              TlAlignOptions.SYNC_APPLY.key()
                  + " is \""
                  + mode
                  + "\"; use replace (the default) or delta");
    };
  }

  public static SyncSettings from(ReadableConfig c) {
    return new SyncSettings(
        c.get(TlAlignOptions.GROUP_ID),
        c.get(TlAlignOptions.REPLICAS),
        c.get(TlAlignOptions.SYNC_EVERY_STEPS),
        c.get(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS),
        c.get(TlAlignOptions.SYNC_CHUNK_BYTES),
        c.get(TlAlignOptions.SYNC_AVERAGE_MOMENTS),
        applyMode(c.get(TlAlignOptions.SYNC_APPLY)),
        c.get(TlAlignOptions.FAULT_REPLICA));
  }
}
