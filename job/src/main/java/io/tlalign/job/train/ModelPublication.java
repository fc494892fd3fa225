package io.tlalign.job.train;

import io.tlalign.model.state.TrainingState;

/**
 * Where trained models go, in two phases tied to checkpoints, so that no published model reflects
 * data a restore would replay: stage while a checkpoint is taken, publish once it is complete,
 * discard when it is aborted. Implemented by {@code ModelPublisher}; {@link #NONE} publishes
 * nothing.
 */
public interface ModelPublication extends AutoCloseable {

  /** Publishes nothing. */
  ModelPublication NONE =
      new ModelPublication() {
        @Override
        public void stage(TrainingState state, long checkpointId) {}

        @Override
        public void publishUpTo(long completedCheckpointId) {}

        @Override
        public void discard(long checkpointId) {}

        @Override
        public void parametersChanged() {}

        @Override
        public void close() {}
      };

  /** Writes the model of {@code state} for checkpoint {@code checkpointId}, not yet announced. */
  void stage(TrainingState state, long checkpointId) throws Exception;

  /** Announces the newest model staged at or before a completed checkpoint. */
  void publishUpTo(long completedCheckpointId) throws Exception;

  /** Deletes the model staged for an aborted checkpoint. */
  void discard(long checkpointId);

  /** The parameters changed without a step (an applied average): the next snapshot stages. */
  void parametersChanged();

  @Override
  void close() throws Exception;
}
