package io.tlalign.job.sync;

import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.LocalGradients;
import io.tlalign.schemas.RoundContribution;
import io.tlalign.schemas.framing.ChunkWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one replica sends for one round, as a {@link TrainingState} encoded by {@link
 * TrainingStateFormat} and cut into {@link SyncChunk} messages (chunk frames): its parameters
 * without the optimizer moments (or with them, when moments are averaged too), its update since its
 * previous contribution, or one step's gradients. The {@link PayloadKind} is in the payload's
 * metadata.
 */
public final class Contribution {

  private Contribution() {}

  /** Metadata key of a gradients payload: the batch size, its weight in the average. */
  public static final String META_BATCH_SIZE = "tlalign.sync.batch-size";

  /** The part of {@code state} that is averaged: parameters, and moments if asked. */
  public static TrainingState payloadOf(TrainingState state, boolean withMoments) {
    return payloadOf(state, withMoments, PayloadKind.PARAMETERS);
  }

  /** {@code state}'s tensors (and moments if asked) as a payload of {@code kind}. */
  public static TrainingState payloadOf(
      TrainingState state, boolean withMoments, PayloadKind kind) {
    OptimizerState optimizer =
        withMoments
            ? state.optimizer()
            : new OptimizerState(state.optimizerStepCount(), List.of(), List.of());
    return TrainingState.builder()
        .setPreset(state.preset())
        .setStep(state.step())
        .setParameters(state.parameters())
        .optRefusedSteps(state.refusedSteps())
        .optOptimizer(optimizer)
        .optMetadata(PayloadKind.KEY, kind.label())
        .build();
  }

  /**
   * One step's gradients as a payload: no tensors when the loss was not finite (every replica then
   * refuses the step), the batch size as their weight.
   */
  public static TrainingState gradientsOf(String preset, long step, LocalGradients local) {
    return TrainingState.builder()
        .setPreset(preset)
        .setStep(step)
        .setParameters(local.finite() ? local.gradients() : List.of())
        .optOptimizer(new OptimizerState(step, List.of(), List.of()))
        .optMetadata(PayloadKind.KEY, PayloadKind.GRADIENTS.label())
        .optMetadata(META_BATCH_SIZE, Integer.toString(local.batchSize()))
        .build();
  }

  /** The messages of one contribution, in order (a list the caller may change). */
  public static List<byte[]> messages(
      String runId,
      long round,
      long step,
      int replica,
      int replicas,
      byte[] payload,
      int chunkBytes) {
    return messages(
        SyncChunk.address(runId, 0, round, step, replica, replicas).build(), payload, chunkBytes);
  }

  /** The messages of one payload (a contribution, or a shard of one), in order. */
  public static List<byte[]> messages(RoundContribution address, byte[] payload, int chunkBytes) {
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunk size must be > 0, got " + chunkBytes);
    }
    return new ArrayList<>(
        ChunkWriter.cut(SyncChunk.contributionHeader(address), payload, chunkBytes));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
