package io.tlalign.model.label;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.alignment.vectors.MalformedTestVectorException;
import io.tlalign.alignment.vectors.TestVector;
import io.tlalign.alignment.vectors.TestVectorReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads the TL-Align test vectors: the folder named by {@code -Dtlalign.testvectors}, else the
 * repository's copy in {@code testvectors/tl-align}.
 */
final class TestVectors {

  private TestVectors() {}

  static List<TestVector> all() throws IOException, MalformedTestVectorException {
    String dir = System.getProperty("tlalign.testvectors", "../testvectors/tl-align");
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of(dir))) {
      files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files).as("test vectors in %s", dir).hasSizeGreaterThanOrEqualTo(7);
    List<TestVector> vectors = new ArrayList<>();
    for (Path f : files) {
      vectors.add(TestVectorReader.read(f));
    }
    return vectors;
  }

  static float[] flat(double[][][] a) {
    int n = 0;
    for (double[][] x : a) {
      for (double[] y : x) {
        n += y.length;
      }
    }
    float[] out = new float[n];
    int i = 0;
    for (double[][] x : a) {
      for (double[] y : x) {
        for (double v : y) {
          out[i++] = (float) v;
        }
      }
    }
    return out;
  }

  static float[] flat(double[][] a) {
    return flat(new double[][][] {a});
  }
}
