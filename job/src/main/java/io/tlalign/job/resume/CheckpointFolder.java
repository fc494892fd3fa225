package io.tlalign.job.resume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoint root of one job on a local file system: Flink writes {@code <job id>/chk-N/}
 * there, a new job-id folder for every run. A checkpoint is complete once its {@code _metadata}
 * exists (Flink writes it last), so the latest completed one is found across all job folders.
 */
public final class CheckpointFolder {

  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

  private final Path root;

  public CheckpointFolder(Path root) {
    this.root = root;
  }

  /** The folder for a {@code file:} URI or a plain path; empty for other file systems. */
  public static Optional<CheckpointFolder> of(String uri) {
    if (uri.startsWith("file:")) {
      return Optional.of(new CheckpointFolder(Path.of(java.net.URI.create(uri))));
    }
    if (!uri.contains("://")) {
      return Optional.of(new CheckpointFolder(Path.of(uri)));
    }
    return Optional.empty();
  }

  public Path root() {
    return root;
  }

  /** A completed checkpoint: its folder, id and the time its metadata was written. */
  public record Checkpoint(Path dir, long id, long writtenMillis) {}

  /** Every completed checkpoint under the root, oldest first. */
  public List<Checkpoint> completed() {
    List<Checkpoint> found = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return found;
    }
    try (Stream<Path> jobs = Files.list(root)) {
      for (Path job : jobs.filter(Files::isDirectory).toList()) {
        try (Stream<Path> chks = Files.list(job)) {
          for (Path chk : chks.toList()) {
            Matcher m = CHECKPOINT.matcher(chk.getFileName().toString());
            Path metadata = chk.resolve("_metadata");
            if (m.matches() && Files.isRegularFile(metadata)) {
              found.add(
                  new Checkpoint(
                      chk,
                      Long.parseLong(m.group(1)),
                      Files.getLastModifiedTime(metadata).toMillis()));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the checkpoints under " + root, e);
    }
    found.sort(
        Comparator.comparingLong(Checkpoint::writtenMillis).thenComparingLong(Checkpoint::id));
    return found;
  }

  /** The completed checkpoint written last, in whichever job folder. */
  public Optional<Checkpoint> latest() {
    List<Checkpoint> all = completed();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /**
   * Deletes the job folders of earlier runs except the one holding {@code keep}: the new run
   * restores from {@code keep} and then writes (and prunes) its own folder.
   */
  public void pruneJobsExcept(Optional<Path> keep) {
    Path keepJob = keep.map(Path::getParent).orElse(null);
    try (Stream<Path> jobs = Files.list(root)) {
      for (Path job : jobs.filter(Files::isDirectory).toList()) {
        if (!job.equals(keepJob) && isJobFolder(job)) {
          deleteTree(job);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prune the checkpoints under " + root, e);
    }
  }

  /** Deletes every job folder: {@code --fresh}. */
  public void deleteAllJobs() {
    if (Files.isDirectory(root)) {
      pruneJobsExcept(Optional.empty());
    }
  }

  /** Flink's job-id folders: 32 hex digits. Nothing else under the root is touched. */
  private static boolean isJobFolder(Path dir) {
    return dir.getFileName().toString().matches("[0-9a-f]{32}");
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
