package io.tlalign.alignment;

/** How each sample of a batch finds the partner whose pixels it takes inside the box. */
public enum PairingMode {
  /**
   * Sample {@code i} takes from {@code B-1-i} (the published code's {@code x.flip(0)}). With an odd
   * batch the middle sample is paired with itself: it stays unmixed and its target is its own
   * label, which is exact, not an approximation.
   */
  REVERSED,
  /**
   * Sample {@code i} takes from {@code perm[i]} for a seeded uniform permutation. A sample may draw
   * itself (probability about 1/B), with the same consequence as the middle of an odd reversed
   * batch. Works for any batch size.
   */
  PERMUTATION
}
