package io.tlalign.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tlalign.alignment.vectors.ConformanceCheck;
import io.tlalign.alignment.vectors.ConformanceReport;
import io.tlalign.alignment.vectors.TestVector;
import io.tlalign.alignment.vectors.TestVectorReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every expected field of every shared vector, recomputed by this library, within 1e-12. */
class TestVectorConformanceTest {

  private static final double TOLERANCE = 1e-12;

  static List<Path> vectors() throws Exception {
    return SharedTestVectors.files();
  }

  @Test
  void allSevenSharedVectorsArePresent() throws Exception {
    assertThat(vectors()).hasSize(7);
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void everyExpectedFieldIsReproducedWithin1e12(Path file) throws Exception {
    TestVector v = TestVectorReader.read(file);
    ConformanceReport report = ConformanceCheck.check(v);

    assertThat(report.maxAbsErrorByField())
        .containsKeys(
            "expected.initial_weights",
            "expected.mean_attention",
            "expected.aligned_weights",
            "expected.final_weights",
            "expected.target",
            "expected.cutmix_target",
            "expected.loss",
            "expected.cutmix_loss");
    for (Map.Entry<String, Double> e : report.maxAbsErrorByField().entrySet()) {
      assertThat(e.getValue()).as(file.getFileName() + " " + e.getKey()).isLessThan(TOLERANCE);
    }
  }

  @ParameterizedTest
  @MethodSource("vectors")
  void stepByStepComputationMatchesTheVectorFieldByField(Path file) throws Exception {
    // The same check as above, written out against the public API a caller would use.
    TestVector v = TestVectorReader.read(file);
    double[][] initial = InitialWeights.forBox(v.layout(), v.box());
    for (int b = 0; b < v.batchSize(); b++) {
      double[][] t = initial;
      for (int l = 0; l < v.numLayers(); l++) {
        t = Propagation.step(Propagation.meanOverHeads(v.attention()[l][b]), t);
        for (int n = 0; n < t.length; n++) {
          for (int s = 0; s < 2; s++) {
            assertThat(t[n][s])
                .isCloseTo(v.expected().alignedWeights()[l][b][n][s], within(TOLERANCE));
          }
        }
      }
      double[] fin = v.pooling().readOut(t);
      double[] target =
          Targets.mix(
              fin[0], fin[1], v.labelsA()[b], v.labelsB()[b], v.numClasses(), v.labelSmoothing());
      for (int k = 0; k < v.numClasses(); k++) {
        assertThat(target[k]).isCloseTo(v.expected().target()[b][k], within(TOLERANCE));
      }
    }
  }
}
