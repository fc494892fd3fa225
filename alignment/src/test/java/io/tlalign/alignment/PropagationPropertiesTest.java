package io.tlalign.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * Properties of the method that hold for any attention: weights stay a distribution, pure pairs
 * give pure labels, same-class pairs give that class. Random cases are seeded by repetition.
 */
class PropagationPropertiesTest {

  private static final int K = 10;

  @RepeatedTest(50)
  void weightsStayNonNegativeAndSumToOneThroughEveryBlock(RepetitionInfo rep) {
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(rep.getCurrentRepetition());
    TokenLayout layout = new TokenLayout(16, 12, 4, rng.nextBoolean());
    Box box = randomBox(16, 12, rng);
    double[][] t = InitialWeights.forBox(layout, box);
    assertIsDistribution(t);
    int layers = 1 + rng.nextInt(6);
    for (int l = 0; l < layers; l++) {
      t = Propagation.step(randomAttention(layout.numTokens(), rng), t);
      assertIsDistribution(t);
    }
    for (Pooling p : layout.hasClsToken() ? Pooling.values() : new Pooling[] {Pooling.MEAN}) {
      double[] fin = p.readOut(t);
      assertThat(fin[0]).isGreaterThanOrEqualTo(0);
      assertThat(fin[0] + fin[1]).isCloseTo(1.0, within(1e-12));
    }
  }

  @RepeatedTest(10)
  void anEmptyBoxGivesThePureLabelOfSourceA(RepetitionInfo rep) {
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(100 + rep.getCurrentRepetition());
    double[] target = alignedTarget(Box.empty(), 3, 7, rng);
    assertThat(target).containsExactly(Targets.smoothedOneHot(3, K, 0.1), within(1e-12));
  }

  @RepeatedTest(10)
  void aFullBoxGivesThePureLabelOfSourceB(RepetitionInfo rep) {
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(200 + rep.getCurrentRepetition());
    double[] target = alignedTarget(new Box(0, 16, 0, 16), 3, 7, rng);
    assertThat(target).containsExactly(Targets.smoothedOneHot(7, K, 0.1), within(1e-12));
  }

  @RepeatedTest(10)
  void aSameClassPairGivesThatClassWhateverTheBox(RepetitionInfo rep) {
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(300 + rep.getCurrentRepetition());
    double[] target = alignedTarget(randomBox(16, 16, rng), 5, 5, rng);
    assertThat(target).containsExactly(Targets.smoothedOneHot(5, K, 0.1), within(1e-12));
  }

  @Test
  void uniformAttentionPullsTheClassTokenTowardsTheTokenAverage() {
    // Independent hand computation: with M = 1/N everywhere, M @ T is the token mean m, so after
    // one block the class token is (m + [lam, 1-lam]) / 2.
    TokenLayout layout = new TokenLayout(8, 8, 4, true); // 4 patches + cls
    Box box = new Box(0, 4, 0, 8); // the top two patches come from B: lam = 0.5
    double[][] t = InitialWeights.forBox(layout, box);
    double[][] uniform = new double[5][5];
    for (double[] row : uniform) {
      java.util.Arrays.fill(row, 1.0 / 5);
    }
    double[][] after = Propagation.step(uniform, t);
    double meanA = (0.5 + 0 + 0 + 1 + 1) / 5.0; // cls, two B patches, two A patches
    assertThat(after[0][0]).isCloseTo((meanA + 0.5) / 2, within(1e-15));
  }

  @Test
  void thePropagationRuleWorksForAnyNumberOfSourceWeights() {
    // S = 3 columns: the rule is applied column by column, so it is the same as three S = 1 runs.
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(7);
    double[][] m = randomAttention(6, rng);
    double[][] t = new double[6][3];
    for (double[] row : t) {
      double a = rng.nextDouble();
      double b = (1 - a) * rng.nextDouble();
      row[0] = a;
      row[1] = b;
      row[2] = 1 - a - b;
    }
    double[][] all = Propagation.step(m, t);
    for (int s = 0; s < 3; s++) {
      double[][] col = new double[6][1];
      for (int n = 0; n < 6; n++) {
        col[n][0] = t[n][s];
      }
      double[][] one = Propagation.step(m, col);
      for (int n = 0; n < 6; n++) {
        assertThat(all[n][s]).isCloseTo(one[n][0], within(1e-15));
      }
    }
    assertIsDistribution(all);
  }

  private static double[] alignedTarget(Box box, int labelA, int labelB, UniformRandomProvider r) {
    TokenLayout layout = new TokenLayout(16, 16, 4, true);
    double[][] t = InitialWeights.forBox(layout, box);
    for (int l = 0; l < 4; l++) {
      t = Propagation.step(randomAttention(layout.numTokens(), r), t);
    }
    double[] fin = Pooling.CLS.readOut(t);
    return Targets.mix(fin[0], fin[1], labelA, labelB, K, 0.1);
  }

  static Box randomBox(int h, int w, UniformRandomProvider rng) {
    int ya = rng.nextInt(h + 1);
    int yb = rng.nextInt(h + 1);
    int xa = rng.nextInt(w + 1);
    int xb = rng.nextInt(w + 1);
    return new Box(Math.min(ya, yb), Math.max(ya, yb), Math.min(xa, xb), Math.max(xa, xb));
  }

  /** A row-stochastic matrix with the peaky rows real softmax attention has. */
  static double[][] randomAttention(int n, UniformRandomProvider rng) {
    double[][] a = new double[n][n];
    for (int q = 0; q < n; q++) {
      double sum = 0;
      for (int k = 0; k < n; k++) {
        a[q][k] = Math.exp(4 * rng.nextDouble() - 2) * (rng.nextInt(4) == 0 ? 1e-6 : 1);
        sum += a[q][k];
      }
      for (int k = 0; k < n; k++) {
        a[q][k] /= sum;
      }
    }
    return a;
  }

  private static void assertIsDistribution(double[][] t) {
    for (double[] row : t) {
      double sum = 0;
      for (double v : row) {
        assertThat(v).isGreaterThanOrEqualTo(0);
        sum += v;
      }
      assertThat(sum).isCloseTo(1.0, within(1e-12));
    }
  }
}
