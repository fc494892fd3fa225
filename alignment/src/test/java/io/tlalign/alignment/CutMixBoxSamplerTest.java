package io.tlalign.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CutMixBoxSamplerTest {

  @ParameterizedTest
  @ValueSource(doubles = {0.5, 1.0, 2.0})
  void lambdaFollowsTheMomentsOfBetaAlphaAlpha(double alpha) {
    // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)); 40k draws put the sample moments within
    // about 4 standard errors of these.
    CutMixBoxSampler sampler = new CutMixBoxSampler(alpha);
    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(42L);
    int n = 40_000;
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < n; i++) {
      double lam = sampler.sampleLambda(rng);
      assertThat(lam).isBetween(0.0, 1.0);
      sum += lam;
      sumSq += lam * lam;
    }
    double mean = sum / n;
    double var = sumSq / n - mean * mean;
    double expectedVar = 1.0 / (4 * (2 * alpha + 1));
    assertThat(mean).isCloseTo(0.5, within(4 * Math.sqrt(expectedVar / n)));
    assertThat(var).isCloseTo(expectedVar, within(0.03 * expectedVar + 0.002));
  }

  @Test
  void theSameSeedGivesTheSameBoxes() {
    CutMixBoxSampler sampler = new CutMixBoxSampler(1.0);
    UniformRandomProvider a = RandomSource.XO_RO_SHI_RO_128_PP.create(9L);
    UniformRandomProvider b = RandomSource.XO_RO_SHI_RO_128_PP.create(9L);
    for (int i = 0; i < 100; i++) {
      assertThat(sampler.samplePixelBox(28, 28, a)).isEqualTo(sampler.samplePixelBox(28, 28, b));
    }
  }

  @Test
  void pixelBoxesStayInsideTheImageAndLambdaIsCorrectedToThePastedArea() {
    CutMixBoxSampler sampler = new CutMixBoxSampler(1.0);
    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1L);
    int clipped = 0;
    for (int i = 0; i < 5000; i++) {
      CutMixSample s = sampler.samplePixelBox(28, 20, rng);
      Box box = s.box();
      assertThat(box.y1()).isLessThanOrEqualTo(28);
      assertThat(box.x1()).isLessThanOrEqualTo(20);
      // The unclipped sides are at most floor(side * sqrt(1 - lambda)).
      assertThat(box.height()).isLessThanOrEqualTo((int) (28 * Math.sqrt(1 - s.sampledLambda())));
      assertThat(box.width()).isLessThanOrEqualTo((int) (20 * Math.sqrt(1 - s.sampledLambda())));
      double pasted = 0;
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 20; x++) {
          pasted += box.contains(y, x) ? 1 : 0;
        }
      }
      assertThat(s.lambda()).isCloseTo(1 - pasted / (28 * 20), within(1e-15));
      assertThat(s.lambda()).isGreaterThanOrEqualTo(s.sampledLambda() - 1e-12);
      if (s.lambda() > s.sampledLambda() + 0.05) {
        clipped++;
      }
    }
    // Boxes centred near a border are clipped, so the correction matters in practice.
    assertThat(clipped).isGreaterThan(100);
  }

  @Test
  void lambdaOneGivesAnEmptyBoxAndLambdaZeroAFullSizedOneBeforeClipping() {
    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
    assertThat(CutMixBoxSampler.boxFor(1.0, 28, 28, rng).isEmpty()).isTrue();
    // lambda 0 asks for a 28x28 box; clipping keeps at least half of each side, and a centre at
    // (14, 14) keeps all of it.
    boolean sawFull = false;
    for (int i = 0; i < 2000; i++) {
      Box b = CutMixBoxSampler.boxFor(0.0, 28, 28, rng);
      assertThat(b.height()).isBetween(14, 28);
      assertThat(b.width()).isBetween(14, 28);
      sawFull |= b.equals(new Box(0, 28, 0, 28));
    }
    assertThat(sawFull).isTrue();
  }

  @Test
  void tokenGridBoxesFollowPatchBordersSoEveryTokenIsPure() {
    CutMixBoxSampler sampler = new CutMixBoxSampler(1.0);
    UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(5L);
    TokenLayout layout = new TokenLayout(28, 28, 4, true);
    for (int i = 0; i < 500; i++) {
      CutMixSample s = sampler.sampleTokenGridBox(7, 7, 4, rng);
      Box b = s.box();
      assertThat(new int[] {b.y0() % 4, b.y1() % 4, b.x0() % 4, b.x1() % 4}).containsOnly(0);
      double[][] w = InitialWeights.forBox(layout, b);
      for (int t = 1; t < w.length; t++) {
        assertThat(w[t][1]).isIn(0.0, 1.0);
      }
      assertThat(w[0][0]).isCloseTo(s.lambda(), within(1e-15));
    }
  }

  @Test
  void aBadAlphaIsRefusedWithTheValueAndTheFix() {
    assertThatThrownBy(() -> new CutMixBoxSampler(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 0.0")
        .hasMessageContaining("1.0 is the usual choice");
    assertThatThrownBy(() -> new CutMixBoxSampler(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
