/**
 * The training operator's state as plain Java values, and its checkpoint encoding.
 *
 * <p>{@link io.tlalign.model.state.TrainingState} holds everything a restore needs to continue bit
 * for bit: parameters, optimizer moments and step count, the step and refusal counters and the
 * opaque RNG state. {@link io.tlalign.model.state.TrainingStateFormat} writes it as a versioned,
 * checksummed byte layout and refuses anything it cannot fully verify with a {@link
 * io.tlalign.model.state.CorruptTrainingStateException}; {@link io.tlalign.model.state.StateChunks}
 * cuts the encoding into bounded values for Flink state, as chunk frames of {@code
 * io.tlalign.schemas.framing} (the framing the sync topic uses too), and still reads the TLCK
 * chunks of earlier builds. Nothing here depends on DJL or Flink.
 */
package io.tlalign.model.state;
