package io.tlalign.job.train;

import io.tlalign.model.state.CorruptTrainingStateException;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import java.io.IOException;
import java.util.List;

/**
 * The training state as it lies in operator state: {@link TrainingStateFormat} cut into chunks far
 * below RocksDB's 2 GB value limit, and read back only when it is there, intact and of this job's
 * preset. A restore that would otherwise start a fresh model while the sources resume mid-stream,
 * or continue from altered bytes, fails loudly instead.
 */
public final class CheckpointedState {

  /** A chunk of the serialized state: far below RocksDB's 2 GB value limit. */
  public static final int CHUNK_BYTES = 8 << 20;

  private CheckpointedState() {}

  /** The chunks to store for {@code state}. */
  public static List<byte[]> encode(TrainingState state) {
    return TrainingStateFormat.toChunks(state, CHUNK_BYTES);
  }

  /**
   * The state stored in {@code chunks}, refused when there is none (the sources resume from the
   * saved offsets, so a fresh model would silently skip everything read before them, e.g. after an
   * operator uid changed), when a chunk is corrupt, or when it belongs to another preset.
   *
   * @throws IllegalStateException when {@code chunks} is empty, or for another preset (naming both)
   * @throws IOException when the chunks do not decode, with the cause's message
   */
  public static TrainingState decode(List<byte[]> chunks, String preset, RestoreSubject subject)
      throws IOException {
    if (chunks.isEmpty()) {
      throw missing(subject);
    }
    TrainingState state;
    try {
      state = TrainingStateFormat.fromChunks(chunks);
    } catch (CorruptTrainingStateException e) {
      throw new IOException(
          "refusing to restore " + subject.restored() + " from the checkpoint: " + e.getMessage(),
          e);
    }
    state.requirePreset(preset);
    return state;
  }

  /** The refusal for a checkpoint without this operator's state. */
  public static IllegalStateException missing(RestoreSubject subject) {
    return new IllegalStateException(
        "the job is restored from a checkpoint that holds no "
            + subject.missing()
            + "; refusing to start a new model while the input resumes mid-stream. "
            + subject.hint());
  }
}
