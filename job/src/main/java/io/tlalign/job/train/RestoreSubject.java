package io.tlalign.job.train;

/**
 * Whose training state a restore reads, for the refusal messages: an operator restored without its
 * state, or with chunks that do not decode, must fail and say which state and what to do.
 *
 * @param missing what the checkpoint lacks, as in "holds no {@code missing}"
 * @param restored what is being restored, as in "refusing to restore {@code restored} from the
 *     checkpoint"
 * @param hint what the user can do instead
 */
public record RestoreSubject(String missing, String restored, String hint) {

  /** The streaming job's single training operator (uid {@code train}). */
  public static RestoreSubject streamingTrainer() {
    return new RestoreSubject(
        "training state for this operator",
        "the training state",
        "Restore a checkpoint taken by this job (same operator uid \"train\"), or start without"
            + " one");
  }

  /** Data-parallel replica {@code replica}. */
  public static RestoreSubject replica(int replica) {
    return new RestoreSubject(
        "replica state for replica " + replica,
        "replica " + replica,
        "Restore a checkpoint taken with the same tlalign.replicas, or start without one");
  }
}
