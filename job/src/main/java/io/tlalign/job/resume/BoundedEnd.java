package io.tlalign.job.resume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a bounded run stops, kept as {@code tlalign-bounded-end.txt} in the checkpoint root: the
 * train topic's end offsets at the run's first start. A rerun that resumes reads them back, so it
 * trains exactly the records the uninterrupted run would have, even if more arrived since.
 */
public final class BoundedEnd {

  static final String FILE = "tlalign-bounded-end.txt";

  private BoundedEnd() {}

  public static Optional<String> readFrom(Path root) {
    Path file = root.resolve(FILE);
    try {
      return Files.isRegularFile(file)
          ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim())
          : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public static void writeTo(Path root, String endOffsets) {
    try {
      Files.createDirectories(root);
      Files.writeString(root.resolve(FILE), endOffsets + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + root.resolve(FILE), e);
    }
  }
}
