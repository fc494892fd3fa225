package io.tlalign.alignment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class PairingTest {

  @Test
  void reversedPairingIsTheBatchFlipAndAnInvolution() {
    int[] p = Pairing.partners(6, PairingMode.REVERSED, null);
    assertThat(p).containsExactly(5, 4, 3, 2, 1, 0);
    for (int i = 0; i < p.length; i++) {
      assertThat(p[p[i]]).isEqualTo(i);
    }
  }

  @Test
  void anOddReversedBatchPairsItsMiddleSampleWithItself() {
    assertThat(Pairing.partners(5, PairingMode.REVERSED, null)).containsExactly(4, 3, 2, 1, 0);
    // Sample 2 mixes with itself: its target is its own label, whatever the box.
    int[] labels = {1, 2, 3, 4, 5};
    int[] lb = TokenLabelAlignment.partnerLabels(labels, Pairing.reversed(5));
    assertThat(lb[2]).isEqualTo(labels[2]);
  }

  @Test
  void permutationPairingIsASeededPermutation() {
    int[] a = Pairing.partners(33, PairingMode.PERMUTATION, RandomSource.SPLIT_MIX_64.create(1L));
    int[] b = Pairing.partners(33, PairingMode.PERMUTATION, RandomSource.SPLIT_MIX_64.create(1L));
    int[] c = Pairing.partners(33, PairingMode.PERMUTATION, RandomSource.SPLIT_MIX_64.create(2L));
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertThat(sorted[i]).isEqualTo(i);
    }
  }
}
