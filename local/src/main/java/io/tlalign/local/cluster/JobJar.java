package io.tlalign.local.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The shaded job jar ({@code job/target/tlalign-job-*-job.jar}) that a standalone cluster runs:
 * named by the system property {@code tlalign.job.jar} (the launcher sets it), else found under the
 * repository root ({@code tlalign.root}, or the working folder and its parents).
 */
public final class JobJar {

  /** The command that builds the jar, for the error when it is missing. */
  public static final String BUILD_COMMAND = "mvn -B -pl job -am package -DskipTests";

  private JobJar() {}

  /** The job jar, or an error that names where it was looked for and the build command. */
  public static Path locate() {
    String named = System.getProperty("tlalign.job.jar");
    if (named != null && !named.isBlank()) {
      Path jar = Path.of(named);
      if (Files.isRegularFile(jar)) {
        return jar;
      }
      throw new IllegalStateException(
          "the job jar "
              + jar
              + " (tlalign.job.jar) does not exist; build it with "
              + BUILD_COMMAND
              + " in the repository root");
    }
    Path root = repositoryRoot();
    Path target = root.resolve("job").resolve("target");
    return newestIn(target)
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no job jar (tlalign-job-*-job.jar) in "
                        + target
                        + "; a standalone Flink cluster runs the job from it: build it with "
                        + BUILD_COMMAND
                        + " in "
                        + root));
  }

  private static Optional<Path> newestIn(Path target) {
    if (!Files.isDirectory(target)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(p -> p.getFileName().toString().matches("tlalign-job-.*-job\\.jar"))
          .max(Comparator.comparingLong(JobJar::modified));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + target, e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  /** {@code tlalign.root}, else the nearest folder holding the launcher and {@code job/}. */
  private static Path repositoryRoot() {
    String root = System.getProperty("tlalign.root");
    if (root != null && !root.isBlank()) {
      return Path.of(root);
    }
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("tlalign")) && Files.isDirectory(p.resolve("job"))) {
        return p;
      }
    }
    return here;
  }
}
