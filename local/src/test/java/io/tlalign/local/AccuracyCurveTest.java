package io.tlalign.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AccuracyCurveTest {

  @Test
  void aShortListIsKeptWhole() {
    List<Integer> all = List.of(1, 2, 3);
    assertThat(AccuracyCurve.spread(all, 16)).isEqualTo(all);
  }

  @Test
  void aLongListIsThinnedEvenlyAndEndsWithTheLast() {
    List<Integer> all = IntStream.rangeClosed(1, 55).boxed().toList();
    List<Integer> picked = AccuracyCurve.spread(all, 16);
    assertThat(picked).hasSize(16).isSorted().doesNotHaveDuplicates();
    assertThat(picked.get(15)).isEqualTo(55);
    // 55/16 = 3.44 models apart on average: no gap wider than 4 and none narrower than 3.
    for (int i = 1; i < picked.size(); i++) {
      assertThat(picked.get(i) - picked.get(i - 1)).isBetween(3, 4);
    }
  }
}
