package io.tlalign.job.resume;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/** The small UTF-8 properties files a run keeps next to its checkpoints. */
final class PropertiesFile {

  private PropertiesFile() {}

  /** The properties in {@code file}; empty when there is no such file. */
  static Optional<Properties> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    return Optional.of(p);
  }
}
