package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.OptionalLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReplayOrderTest {

  @Test
  void matchesTheDocumentedAlgorithm() {
    // Computed by an independent Python transcription of the class comment (SplitMix64 +
    // Fisher-Yates).
    assertThat(ReplayOrder.permutation(10, OptionalLong.of(0), 0))
        .containsExactly(2, 0, 4, 9, 6, 5, 8, 3, 1, 7);
    assertThat(ReplayOrder.permutation(10, OptionalLong.of(0), 1))
        .containsExactly(2, 1, 6, 5, 7, 8, 9, 4, 3, 0);
    assertThat(ReplayOrder.permutation(10, OptionalLong.of(42), 0))
        .containsExactly(0, 3, 6, 5, 7, 2, 9, 8, 1, 4);
    assertThat(ReplayOrder.permutation(12, OptionalLong.of(-7), 3))
        .containsExactly(5, 7, 3, 4, 0, 8, 10, 2, 6, 1, 9, 11);
  }

  @Test
  void theSameSeedAndEpochGiveTheSameOrder() {
    assertThat(ReplayOrder.permutation(60_000, OptionalLong.of(7), 2))
        .isEqualTo(ReplayOrder.permutation(60_000, OptionalLong.of(7), 2));
  }

  @Test
  void everyEpochIsAnotherPermutationOfEveryIndex() {
    int[] e0 = ReplayOrder.permutation(1000, OptionalLong.of(7), 0);
    int[] e1 = ReplayOrder.permutation(1000, OptionalLong.of(7), 1);
    int[] otherSeed = ReplayOrder.permutation(1000, OptionalLong.of(8), 0);

    int[] all = IntStream.range(0, 1000).toArray();
    assertThat(sorted(e0)).isEqualTo(all);
    assertThat(sorted(e1)).isEqualTo(all);
    assertThat(e0).isNotEqualTo(e1).isNotEqualTo(otherSeed).isNotEqualTo(all);
  }

  @Test
  void withoutASeedTheDatasetOrderIsKept() {
    assertThat(ReplayOrder.permutation(5, OptionalLong.empty(), 3)).containsExactly(0, 1, 2, 3, 4);
    assertThat(ReplayOrder.permutation(0, OptionalLong.of(1), 0)).isEmpty();
    assertThat(ReplayOrder.permutation(1, OptionalLong.of(1), 0)).containsExactly(0);
  }

  private static int[] sorted(int[] a) {
    int[] c = a.clone();
    Arrays.sort(c);
    return c;
  }
}
