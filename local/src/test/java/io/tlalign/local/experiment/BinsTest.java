package io.tlalign.local.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BinsTest {

  @Test
  void binsAreSymmetricAroundZeroAndCountEveryValue() {
    // Range +-0.2 in 4 bins of 0.1: [-0.2,-0.1) [-0.1,0) [0,0.1) [0.1,0.2].
    Bins b = Bins.of(List.of(-0.2f, -0.05f, 0.0f, 0.05f, 0.07f, 0.2f), 4);
    assertThat(b.edges()).hasSize(5);
    assertThat(b.edges()[0]).isCloseTo(-0.2, within(1e-6));
    assertThat(b.edges()[4]).isCloseTo(0.2, within(1e-6));
    assertThat(b.counts()).containsExactly(1, 1, 3, 1);
    assertThat(b.total()).isEqualTo(6);
    assertThat(b.countsAsSteps()).containsExactly(1, 1, 3, 1, 1);
  }

  @Test
  void emptyInputGivesEmptyBins() {
    Bins b = Bins.of(List.of(), 10);
    assertThat(b.total()).isZero();
    assertThat(b.edges()[10]).isCloseTo(0.01, within(1e-9));
  }
}
