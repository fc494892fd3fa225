package io.tlalign.datasets;

import java.util.OptionalLong;

/**
 * The order in which a replay visits a dataset: a seeded permutation per epoch, so that the same
 * seed always gives the same record sequence and every epoch is a different shuffle.
 *
 * <p>Exactly: the epoch's generator starts at {@code mix64(seed + (epoch + 1) *
 * 0x9E3779B97F4A7C15)} and steps like SplitMix64 (add the golden gamma, return {@code mix64} of the
 * state); the permutation is a Fisher-Yates shuffle of {@code 0..n-1} from the last position down,
 * position i swapped with an unbiased draw in [0, i] (rejection on the top 63 bits). {@code mix64}
 * is SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014). Without a seed the order is the
 * dataset's own, every epoch.
 */
public final class ReplayOrder {

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private ReplayOrder() {}

  /**
   * The visiting order of epoch {@code epoch} (0-based) over {@code n} images.
   *
   * @param seed the shuffle seed; empty keeps dataset order
   */
  public static int[] permutation(int n, OptionalLong seed, int epoch) {
    if (n < 0 || epoch < 0) {
      throw new IllegalArgumentException(
          "n and epoch must be >= 0, got n=" + n + " epoch=" + epoch);
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (seed.isEmpty()) {
      return order;
    }
    long state = mix64(seed.getAsLong() + (epoch + 1L) * GOLDEN_GAMMA);
    for (int i = n - 1; i > 0; i--) {
      long r;
      long v;
      do {
        state += GOLDEN_GAMMA;
        r = mix64(state) >>> 1;
        v = r % (i + 1);
      } while (r - v + i < 0); // the last, partial block of 2^63 would favour small values
      int j = (int) v;
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** SplitMix64's finaliser. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
