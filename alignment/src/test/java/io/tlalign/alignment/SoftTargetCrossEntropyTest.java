package io.tlalign.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SoftTargetCrossEntropyTest {

  @Test
  void matchesTheTextbookFormulaOnModerateLogits() {
    double[][] logits = {{1.0, 2.0, 0.5}, {-1.0, 0.0, 3.0}};
    double[][] targets = {{0.2, 0.7, 0.1}, {0.0, 0.5, 0.5}};
    double expected = 0;
    for (int b = 0; b < 2; b++) {
      double z = 0;
      for (double v : logits[b]) {
        z += Math.exp(v);
      }
      for (int k = 0; k < 3; k++) {
        expected -= targets[b][k] * Math.log(Math.exp(logits[b][k]) / z);
      }
    }
    assertThat(SoftTargetCrossEntropy.loss(logits, targets)).isCloseTo(expected / 2, within(1e-14));
  }

  @Test
  void hugeLogitsStayFiniteWhereANaiveSoftmaxOverflows() {
    double[][] logits = {{1000.0, 0.0, -1000.0}};
    double[][] targets = {{0.9, 0.1, 0.0}};
    // log_softmax = [0, -1000, -2000]; the zero-weighted -2000 contributes nothing.
    assertThat(SoftTargetCrossEntropy.loss(logits, targets)).isCloseTo(100.0, within(1e-9));
  }

  @Test
  void smoothedOneHotSumsToOneAndPutsTheMassWhereTheReadmeSays() {
    double[] t = Targets.smoothedOneHot(2, 10, 0.1);
    assertThat(t[2]).isCloseTo(0.91, within(1e-15));
    assertThat(t[0]).isCloseTo(0.01, within(1e-15));
    assertThat(java.util.Arrays.stream(t).sum()).isCloseTo(1.0, within(1e-15));
  }
}
