package io.tlalign.job.resume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The record that a bounded run ended: Flink discards a finished job's checkpoints, so without it a
 * rerun could not tell "done" from "never started". Kept as {@code tlalign-finished.properties}.
 *
 * @param step the last step trained
 * @param finalModel the model published last, or empty without a model store
 */
public record FinishedRun(long step, String finalModel) {

  static final String FILE = "tlalign-finished.properties";

  public static Optional<FinishedRun> readFrom(Path root) {
    Path file = root.resolve(FILE);
    try {
      return PropertiesFile.read(file)
          .map(
              p ->
                  new FinishedRun(
                      Long.parseLong(p.getProperty("step", "-1")),
                      p.getProperty("final-model", "")));
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException(
          file + " is unreadable (" + e.getMessage() + "); delete it or rerun with --fresh", e);
    }
  }

  public void writeTo(Path root) {
    Properties p = new Properties();
    p.setProperty("step", Long.toString(step));
    p.setProperty("final-model", finalModel);
    try {
      Files.createDirectories(root);
      try (Writer out = Files.newBufferedWriter(root.resolve(FILE), StandardCharsets.UTF_8)) {
        p.store(out, "this bounded run has finished; ./tlalign train --fresh starts it over");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + root.resolve(FILE), e);
    }
  }

  public static void deleteIn(Path root) {
    try {
      Files.deleteIfExists(root.resolve(FILE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root.resolve(FILE), e);
    }
  }
}
