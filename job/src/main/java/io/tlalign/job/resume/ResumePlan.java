package io.tlalign.job.resume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What a run of {@code ./tlalign train} does with the checkpoint root it is given: resume the
 * latest completed checkpoint of the same job, start fresh, or say that a bounded run already
 * finished. Refuses checkpoints of another job and unreadable ones, naming what to do instead.
 *
 * @param checkpoint the checkpoint to restore, if any
 * @param step the training step of {@code checkpoint}
 * @param finished the finished bounded run this rerun repeats, if any
 */
public record ResumePlan(Optional<Path> checkpoint, long step, Optional<FinishedRun> finished) {

  /** How the user asked to start. */
  public enum Start {
    /** The latest completed checkpoint, or fresh when there is none. */
    LATEST,
    /** Fresh: delete this job's checkpoints and its finished record first. */
    FRESH,
    /** A named checkpoint. */
    NAMED
  }

  /**
   * Decides and prepares the root: writes the job's identity there, and prunes the job folders of
   * earlier runs that the new run no longer needs.
   *
   * @param named the checkpoint for {@link Start#NAMED}
   */
  public static ResumePlan decide(
      ReadableConfig conf, CheckpointFolder root, Start start, Path named) throws IOException {
    JobIdentity ours = JobIdentity.of(conf);
    if (start == Start.FRESH) {
      root.deleteAllJobs();
      FinishedRun.deleteIn(root.root());
      ours.writeTo(root.root());
      return new ResumePlan(Optional.empty(), 0, Optional.empty());
    }
    Optional<JobIdentity> theirs = JobIdentity.readFrom(root.root());
    if (theirs.isPresent()) {
      List<String> diff = ours.differencesFrom(theirs.get());
      if (!diff.isEmpty()) {
        throw new IllegalArgumentException(
            "the checkpoints in "
                + root.root()
                + " belong to another job: "
                + String.join("; ", diff)
                + ". Use another --checkpoint-dir, or --fresh to delete them and start over");
      }
    }
    if (start == Start.NAMED) {
      Path chk = checkpointDir(named);
      long step = CheckpointProgress.step(chk);
      FinishedRun.deleteIn(root.root());
      ours.writeTo(root.root());
      return new ResumePlan(Optional.of(chk), step, Optional.empty());
    }
    Optional<FinishedRun> finished = FinishedRun.readFrom(root.root());
    if (finished.isPresent()) {
      return new ResumePlan(Optional.empty(), finished.get().step(), finished);
    }
    Optional<CheckpointFolder.Checkpoint> latest = root.latest();
    ours.writeTo(root.root());
    if (latest.isEmpty()) {
      return new ResumePlan(Optional.empty(), 0, Optional.empty());
    }
    Path chk = latest.get().dir();
    long step;
    try {
      step = CheckpointProgress.step(chk);
    } catch (IOException e) {
      throw new IOException(
          "refusing to resume: the latest checkpoint is unusable: "
              + e.getMessage()
              + ". Name an older one with --from-checkpoint, or start over with --fresh",
          e);
    }
    root.pruneJobsExcept(Optional.of(chk));
    return new ResumePlan(Optional.of(chk), step, Optional.empty());
  }

  /** A checkpoint folder, given as the folder or its {@code _metadata} file. */
  private static Path checkpointDir(Path named) {
    Path dir = named.getFileName().toString().equals("_metadata") ? named.getParent() : named;
    if (!Files.isRegularFile(dir.resolve("_metadata"))) {
      throw new IllegalArgumentException(
          "--from-checkpoint "
              + named
              + " is not a completed checkpoint (no _metadata in it); name a chk-N folder under"
              + " the checkpoint dir");
    }
    return dir;
  }
}
