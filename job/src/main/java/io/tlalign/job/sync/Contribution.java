package io.tlalign.job.sync;

import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.schemas.framing.ChunkWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one replica sends for one round: its training state without the optimizer moments (or with
 * them, when moments are averaged too), encoded by {@link TrainingStateFormat} and cut into {@link
 * SyncChunk} messages (chunk frames).
 */
public final class Contribution {

  private Contribution() {}

  /** The part of {@code state} that is averaged: parameters, and moments if asked. */
  public static TrainingState payloadOf(TrainingState state, boolean withMoments) {
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
    if (chunkBytes <= 0) {
      throw new IllegalArgumentException("chunk size must be > 0, got " + chunkBytes);
    }
    return new ArrayList<>(
        ChunkWriter.cut(
            SyncChunk.contributionHeader(runId, round, step, replica, replicas),
            payload,
            chunkBytes));
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
