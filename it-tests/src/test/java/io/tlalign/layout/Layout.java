package io.tlalign.layout;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's root is from the test's working folder. */
final class Layout {

  private Layout() {}

  static Path root() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("tlalign")) && Files.isDirectory(p.resolve("job"))) {
        return p;
      }
    }
    throw new IllegalStateException(
        "repository root not found above " + Path.of("").toAbsolutePath());
  }
}
