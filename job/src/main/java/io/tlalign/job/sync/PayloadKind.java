package io.tlalign.job.sync;

import io.tlalign.model.state.TrainingState;

/**
 * What one contribution's tensors are. It travels in the payload's metadata under {@link #KEY} (the
 * chunk framing does not know it), so a round that mixes kinds, e.g. after a restart with another
 * {@code tlalign.sync.apply}, is refused instead of averaged.
 */
public enum PayloadKind {
  /** The replica's parameters (every rule's final round; replace and delta). */
  PARAMETERS("parameters"),
  /** Parameters minus those right after the replica's previous contribution. */
  UPDATE("update"),
  /** The gradients of one step's mean loss, with the batch size as their weight. */
  GRADIENTS("gradients");

  /** The metadata key of the kind in a contribution's {@link TrainingState}. */
  public static final String KEY = "tlalign.sync.payload";

  private final String label;

  PayloadKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /**
   * The kind a contribution declares; a contribution without one was written before kinds existed,
   * when every contribution held parameters.
   *
   * @throws IllegalArgumentException for an unknown kind
   */
  public static PayloadKind of(TrainingState contribution) {
    String label = contribution.metadata().get(KEY);
    if (label == null) {
      return PARAMETERS;
    }
    for (PayloadKind k : values()) {
      if (k.label.equals(label)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "a contribution declares payload kind \"" + label + "\", which this job does not know");
  }
}
