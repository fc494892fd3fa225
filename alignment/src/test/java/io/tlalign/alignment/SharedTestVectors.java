package io.tlalign.alignment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Locates the independently generated TL-Align test vectors for the tests: {@code
 * -Dtlalign.testvectors} when set, else the repository's copy in {@code testvectors/tl-align}.
 */
public final class SharedTestVectors {

  private SharedTestVectors() {}

  public static Path folder() {
    String prop = System.getProperty("tlalign.testvectors");
    Path p = prop != null ? Path.of(prop) : Path.of("../testvectors/tl-align");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException(
          "TL-Align test vectors not found at "
              + p.toAbsolutePath()
              + "; set -Dtlalign.testvectors=<folder with the *.json vectors>");
    }
    return p;
  }

  public static List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(folder())) {
      List<Path> files =
          s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
      if (files.isEmpty()) {
        throw new IllegalStateException("no *.json test vectors in " + folder());
      }
      return files;
    }
  }
}
