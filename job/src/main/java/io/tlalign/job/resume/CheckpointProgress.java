package io.tlalign.job.resume;

import io.tlalign.model.state.CorruptTrainingStateException;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.OperatorStateHandle;

/**
 * Reads the training step out of a completed checkpoint before the job is submitted, so a rerun can
 * say where it resumes, and a checkpoint whose training state does not decode is refused before
 * Flink would restart on it forever.
 */
public final class CheckpointProgress {

  /** The operator-state names that hold a trainer's chunked {@link TrainingState}. */
  static final Set<String> STATE_NAMES =
      Set.of(
          "tlalign-training-state",
          "tlalign-training-state-chunks",
          "tlalign-replica-state-chunks");

  private CheckpointProgress() {}

  /**
   * The highest step of the training states in {@code checkpointDir}.
   *
   * @throws IOException if the metadata or a training state cannot be read; the message says which
   *     checkpoint and why
   */
  public static long step(Path checkpointDir) throws IOException {
    Path metadata = checkpointDir.resolve("_metadata");
    CheckpointMetadata meta;
    try (DataInputStream in = new DataInputStream(Files.newInputStream(metadata))) {
      meta =
          Checkpoints.loadCheckpointMetadata(
              in, CheckpointProgress.class.getClassLoader(), checkpointDir.toString());
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "checkpoint " + checkpointDir + " has unreadable metadata (" + e.getMessage() + ")", e);
    }
    long step = -1;
    for (OperatorState op : meta.getOperatorStates()) {
      for (OperatorSubtaskState subtask : op.getStates()) {
        for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
          for (String name : STATE_NAMES) {
            var info = handle.getStateNameToPartitionOffsets().get(name);
            if (info != null && info.getOffsets().length > 0) {
              step = Math.max(step, decode(checkpointDir, handle, info.getOffsets()).step());
            }
          }
        }
      }
    }
    if (step < 0) {
      throw new IOException(
          "checkpoint " + checkpointDir + " holds no training state; it is not a tlalign job's");
    }
    return step;
  }

  private static TrainingState decode(Path dir, OperatorStateHandle handle, long[] offsets)
      throws IOException {
    List<byte[]> chunks = new ArrayList<>(offsets.length);
    try (FSDataInputStream in = handle.openInputStream()) {
      DataInputViewStreamWrapper view = new DataInputViewStreamWrapper((InputStream) in);
      for (long offset : offsets) {
        in.seek(offset);
        chunks.add(BytePrimitiveArraySerializer.INSTANCE.deserialize(view));
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "checkpoint " + dir + " has an unreadable training state (" + e.getMessage() + ")", e);
    }
    try {
      return TrainingStateFormat.fromChunks(chunks);
    } catch (CorruptTrainingStateException e) {
      throw new IOException(
          "checkpoint " + dir + " holds a corrupt training state: " + e.getMessage(), e);
    }
  }
}
