package io.tlalign.job.resume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.settings.TlAlignOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decisions of a rerun that need no Flink job: identity, finished runs, bad paths. */
class ResumePlanTest {

  @TempDir Path root;

  private static Configuration job(int batch, long seed) {
    return new Configuration()
        .set(TlAlignOptions.BATCH_SIZE, batch)
        .set(TlAlignOptions.SEED, seed)
        .set(TlAlignOptions.GROUP_ID, "g1");
  }

  @Test
  void aFirstRunStartsFreshAndRecordsItsIdentity() throws Exception {
    ResumePlan plan =
        ResumePlan.decide(job(64, 1), new CheckpointFolder(root), ResumePlan.Start.LATEST, null);
    assertThat(plan.checkpoint()).isEmpty();
    assertThat(plan.finished()).isEmpty();
    assertThat(Files.readString(root.resolve(JobIdentity.FILE)))
        .contains("tlalign.batch-size=64")
        .contains("tlalign.seed=1")
        .contains("tlalign.kafka.group-id=g1");
  }

  @Test
  void checkpointsOfAnotherJobAreRefusedNamingBothValues() throws Exception {
    CheckpointFolder folder = new CheckpointFolder(root);
    ResumePlan.decide(job(64, 1), folder, ResumePlan.Start.LATEST, null);
    assertThatThrownBy(() -> ResumePlan.decide(job(32, 1), folder, ResumePlan.Start.LATEST, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tlalign.batch-size is 64 in the checkpoints but 32 in this run")
        .hasMessageContaining("--fresh");
    // --fresh takes the folder over for the new job.
    ResumePlan.decide(job(32, 1), folder, ResumePlan.Start.FRESH, null);
    assertThat(Files.readString(root.resolve(JobIdentity.FILE))).contains("tlalign.batch-size=32");
  }

  @Test
  void aFinishedRunIsReportedAndFreshForgetsIt() throws Exception {
    CheckpointFolder folder = new CheckpointFolder(root);
    ResumePlan.decide(job(64, 1), folder, ResumePlan.Start.LATEST, null);
    new FinishedRun(313, "/models/model-step-000000313-chk-9.tlas").writeTo(root);
    ResumePlan again = ResumePlan.decide(job(64, 1), folder, ResumePlan.Start.LATEST, null);
    assertThat(again.finished())
        .contains(new FinishedRun(313, "/models/model-step-000000313-chk-9.tlas"));
    ResumePlan fresh = ResumePlan.decide(job(64, 1), folder, ResumePlan.Start.FRESH, null);
    assertThat(fresh.finished()).isEmpty();
    assertThat(FinishedRun.readFrom(root)).isEmpty();
  }

  @Test
  void aNamedPathWithoutMetadataIsRefused() throws Exception {
    Path notACheckpoint = Files.createDirectories(root.resolve("job/chk-7"));
    assertThatThrownBy(
            () ->
                ResumePlan.decide(
                    job(64, 1), new CheckpointFolder(root), ResumePlan.Start.NAMED, notACheckpoint))
        .hasMessageContaining("--from-checkpoint " + notACheckpoint)
        .hasMessageContaining("no _metadata");
  }

  @Test
  void anUnreadableLatestCheckpointIsRefusedLoudly() throws Exception {
    Path chk = Files.createDirectories(root.resolve("0123456789abcdef0123456789abcdef/chk-3"));
    Files.write(chk.resolve("_metadata"), new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(
            () ->
                ResumePlan.decide(
                    job(64, 1), new CheckpointFolder(root), ResumePlan.Start.LATEST, null))
        .hasMessageContaining("refusing to resume")
        .hasMessageContaining(chk.toString())
        .hasMessageContaining("--from-checkpoint")
        .hasMessageContaining("--fresh");
  }

  @Test
  void theLatestCheckpointIsFoundAcrossJobFoldersAndOlderJobsArePruned() throws Exception {
    Path older = Files.createDirectories(root.resolve("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/chk-9"));
    Files.write(older.resolve("_metadata"), new byte[] {0});
    Files.setLastModifiedTime(
        older.resolve("_metadata"), java.nio.file.attribute.FileTime.fromMillis(1_000));
    Path newer = Files.createDirectories(root.resolve("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/chk-2"));
    Files.write(newer.resolve("_metadata"), new byte[] {0});
    Files.createDirectories(root.resolve("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/chk-3")); // incomplete
    CheckpointFolder folder = new CheckpointFolder(root);
    assertThat(folder.latest()).map(CheckpointFolder.Checkpoint::dir).contains(newer);
    folder.pruneJobsExcept(java.util.Optional.of(newer));
    assertThat(older.getParent()).doesNotExist();
    assertThat(newer).exists();
  }
}
