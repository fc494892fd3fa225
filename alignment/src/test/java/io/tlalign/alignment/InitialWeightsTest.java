package io.tlalign.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class InitialWeightsTest {

  @Test
  void aPatchCutByTheBoxGetsTheFractionOfItsPixelsInside() {
    TokenLayout layout = new TokenLayout(8, 8, 4, true); // 2x2 patches
    Box box = new Box(2, 8, 1, 4); // patch (0,0): rows 2-3, cols 1-3 -> 6 of 16 pixels
    double[][] w = InitialWeights.forBox(layout, box);
    assertThat(w).hasNumberOfRows(5);
    assertThat(w[layout.tokenIndex(0, 0)][1]).isCloseTo(6.0 / 16, within(1e-15));
    assertThat(w[layout.tokenIndex(1, 0)][1]).isCloseTo(12.0 / 16, within(1e-15));
    assertThat(w[layout.tokenIndex(0, 1)][1]).isZero();
    double lam = 1 - 18.0 / 64;
    assertThat(w[0]).containsExactly(new double[] {lam, 1 - lam}, within(1e-15));
  }

  @Test
  void withoutAClassTokenPatchesStartAtIndexZero() {
    TokenLayout layout = new TokenLayout(8, 8, 4, false);
    double[][] w = InitialWeights.forBox(layout, new Box(0, 4, 0, 4));
    assertThat(w).hasNumberOfRows(4);
    assertThat(w[0]).containsExactly(0.0, 1.0);
    assertThat(w[3]).containsExactly(1.0, 0.0);
  }

  @Test
  void aLayoutThatDoesNotTileTheImageIsRefused() {
    assertThatThrownBy(() -> new TokenLayout(28, 28, 5, true))
        .hasMessageContaining("not a multiple of patch size 5");
  }

  @Test
  void aBoxOutsideTheImageIsRefused() {
    assertThatThrownBy(() -> new Box(0, 30, 0, 4).lambda(28, 28))
        .hasMessageContaining("does not fit");
    assertThatThrownBy(() -> new Box(5, 4, 0, 4)).hasMessageContaining("y=[5,4)");
  }
}
