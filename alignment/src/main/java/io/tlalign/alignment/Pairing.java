package io.tlalign.alignment;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;

/** Chooses, for every sample of a batch, the partner (source B) whose pixels go inside the box. */
public final class Pairing {

  private Pairing() {}

  /**
   * @return {@code partner[i]}: the index of sample i's source B
   */
  public static int[] partners(int batchSize, PairingMode mode, UniformRandomProvider rng) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
    }
    return switch (mode) {
      case REVERSED -> reversed(batchSize);
      case PERMUTATION -> new PermutationSampler(rng, batchSize, batchSize).sample();
    };
  }

  /** {@code B-1-i} for every i; the middle of an odd batch maps to itself. */
  public static int[] reversed(int batchSize) {
    int[] p = new int[batchSize];
    for (int i = 0; i < batchSize; i++) {
      p[i] = batchSize - 1 - i;
    }
    return p;
  }
}
