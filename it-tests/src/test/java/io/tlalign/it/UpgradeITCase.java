package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upgrade: stop the job with a savepoint part-way, restart it from the savepoint with another
 * parallelism for decode and augmentation. Training continues from the saved step and ends with the
 * same model as a run that was never stopped, every record trained once.
 */
class UpgradeITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  @RegisterExtension static final MiniClusterExtension CLUSTER = JobRuns.miniCluster(2, 2);

  /** A multiple of the batch size: an unbounded run trains every image without end of input. */
  private static final int IMAGES = 1984;

  @TempDir static Path work;
  private static JobRuns runs;

  @BeforeAll
  static void replayImages() throws Exception {
    runs = JobRuns.onFreshTopic(KAFKA.bootstrapServers(), work, IMAGES);
  }

  @Test
  void aSavepointRestartWithOtherDecodeParallelismContinuesTheSameModel(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    JobRuns.Outcome uninterrupted = runs.runToEnd(runs.config(JobRuns.newRunName("straight")));

    // First life: unbounded, decode and augment at parallelism 1, stopped once past step 20.
    String run = JobRuns.newRunName("upgrade");
    Configuration first = runs.config(run);
    first.set(TlAlignOptions.BOUNDED, false);
    first.set(TlAlignOptions.DECODE_PARALLELISM, 1);
    // The same graph in both lives: the evaluation branch only exists in unbounded runs.
    first.set(TlAlignOptions.EVAL_ENABLED, false);
    JobClient job = JobRuns.environment(first).executeAsync("tlalign-before-upgrade");
    JobRuns.waitUpTo(
        Duration.ofMinutes(3),
        () -> JobRuns.models(first).stream().anyMatch(m -> m.getStep() >= 20));
    assertThat(JobRuns.models(first)).as("models before the upgrade").isNotEmpty();
    String savepoint =
        job.stopWithSavepoint(
                false, work.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
            .get();

    // Second life: the upgraded job, decode and augment at parallelism 2. Kafka splits restored
    // from an unbounded job stay unbounded, so it runs until the last step's model is out.
    // It reads with a consumer group of its own that has never committed an offset: the source
    // starts such a group at the earliest offset, so only the savepoint's offsets can make it
    // continue where the first life stopped (and not train the first images again).
    Configuration second = runs.config(run);
    second.set(TlAlignOptions.GROUP_ID, first.get(TlAlignOptions.GROUP_ID) + "-after-upgrade");
    assertThat(second.get(TlAlignOptions.GROUP_ID))
        .isNotEqualTo(first.get(TlAlignOptions.GROUP_ID));
    assertThat(committedOffsets(second.get(TlAlignOptions.GROUP_ID)))
        .as("offsets committed by the second life's group before it starts")
        .isEmpty();
    second.set(TlAlignOptions.BOUNDED, false);
    second.set(TlAlignOptions.EVAL_ENABLED, false);
    second.set(TlAlignOptions.DECODE_PARALLELISM, 2);
    second.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics." + run + "-after");
    second.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    long lastStep = uninterrupted.state().step();
    JobClient upgradedJob = JobRuns.environment(second).executeAsync("tlalign-after-upgrade");
    JobRuns.Outcome upgraded;
    try {
      // Flink's own account of where the second life started: the savepoint, not from scratch.
      RestoredCheckpointStats restored = null;
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (restored == null && System.nanoTime() < deadline) {
        restored =
            cluster
                .getExecutionGraph(upgradedJob.getJobID())
                .get()
                .getCheckpointStatsSnapshot()
                .getLatestRestoredCheckpoint();
        Thread.sleep(200);
      }
      System.out.println(
          "UpgradeITCase: first life group "
              + first.get(TlAlignOptions.GROUP_ID)
              + ", second life group "
              + second.get(TlAlignOptions.GROUP_ID)
              + ", savepoint "
              + savepoint
              + ", second life restored "
              + restored);
      assertThat(restored).as("the second life's restored checkpoint").isNotNull();
      assertThat(restored.getProperties().isSavepoint()).isTrue();
      assertThat(restored.getExternalPath()).isEqualTo(savepoint);
      JobRuns.waitUpTo(
          Duration.ofMinutes(3),
          () -> JobRuns.models(second).stream().anyMatch(m -> m.getStep() >= lastStep));
      // A running job's accumulators reach the job master with the task managers' heartbeats.
      List<String> ledger = null;
      deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((ledger == null || ledger.size() < IMAGES) && System.nanoTime() < deadline) {
        @SuppressWarnings("unchecked")
        List<String> current =
            (List<String>)
                upgradedJob.getAccumulators().get().get(TrainFunction.LEDGER_ACCUMULATOR);
        ledger = current;
        Thread.sleep(500);
      }
      upgraded = new JobRuns.Outcome(JobRuns.lastModel(second), ledger);
    } finally {
      upgradedJob.cancel().get();
    }

    var after = new KafkaTestClient(KAFKA.bootstrapServers());
    long firstStepAfter;
    try (after) {
      List<TrainingMetric> metrics =
          after.readAll(
              second.get(TlAlignOptions.METRICS_TOPIC), AvroRecordCodec.forTrainingMetric());
      firstStepAfter = metrics.get(0).getStep();
      for (TrainingMetric m : metrics) {
        assertThat(m.getStep()).isGreaterThan(20);
      }
    }
    assertThat(firstStepAfter).as("the restarted job continues, not restarts").isGreaterThan(20);
    System.out.println(
        "UpgradeITCase: first step after the upgrade "
            + firstStepAfter
            + ", last step "
            + upgraded.state().step()
            + ", ledger "
            + upgraded.ledger().size()
            + " records, "
            + new HashSet<>(upgraded.ledger()).size()
            + " distinct");

    assertThat(uninterrupted.state().step()).isEqualTo(IMAGES / 32);
    assertThat(upgraded.state().step()).isEqualTo(uninterrupted.state().step());
    assertThat(upgraded.state().parameters()).isEqualTo(uninterrupted.state().parameters());
    assertThat(upgraded.state().firstMoments()).isEqualTo(uninterrupted.state().firstMoments());
    assertThat(upgraded.state().secondMoments()).isEqualTo(uninterrupted.state().secondMoments());
    // Exactly the topic, once: a start from the earliest offset would train the first images again.
    assertThat(upgraded.ledger()).hasSize(IMAGES);
    assertThat(new HashSet<>(upgraded.ledger())).hasSize(IMAGES);
    assertThat(upgraded.ledger()).containsExactlyElementsOf(uninterrupted.ledger());
  }

  /** The offsets {@code group} has committed, by partition; empty for a group never used. */
  private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(String group)
      throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
      offsets.forEach(
          (tp, om) -> {
            if (om != null) {
              out.put(tp, om);
            }
          });
      return out;
    }
  }
}
