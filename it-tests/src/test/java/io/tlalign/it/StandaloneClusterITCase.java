package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.JobTopics;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.operators.TrainingTimes;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.local.cluster.StandaloneFlinkCluster;
import io.tlalign.local.cluster.SubtaskPlacement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas in two TaskManager processes: a standalone cluster of one JobManager and two
 * one-slot TaskManager JVMs runs the replicated job from the shaded job jar against a real broker.
 * Flink's REST API must place the two replica subtasks in the two TaskManagers, each TaskManager
 * must have loaded its own engine, every record must be trained once, and no JVM of the cluster may
 * outlive it.
 */
class StandaloneClusterITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  private static final int IMAGES = 256;

  @TempDir Path work;

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void replicasTrainInTwoTaskManagerProcessesAndNoProcessOutlivesTheCluster() throws Exception {
    JobRuns runs = JobRuns.onFreshTopic(KAFKA.bootstrapServers(), work, IMAGES);
    String run = JobRuns.newRunName("processes");
    Configuration conf = runs.config(run);
    conf.set(TlAlignOptions.REPLICAS, 2);
    conf.set(TlAlignOptions.SYNC_TOPIC, "tlalign.sync." + run);
    conf.set(TlAlignOptions.SYNC_EVERY_STEPS, 2);
    conf.set(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS, 1);
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 1);
    conf.set(TlAlignOptions.CHECKPOINT_DIR, work.resolve("checkpoints").toUri().toString());
    JobTopics.ensure(conf);

    List<Long> pids;
    JobExecutionResult result;
    String state;
    List<String> registered;
    List<SubtaskPlacement> placed;
    Path clusterDir = work.resolve("cluster");
    try (StandaloneFlinkCluster cluster =
        StandaloneFlinkCluster.builder()
            .setFolder(clusterDir)
            .optTaskManagers(2)
            .optTaskManagerMemory(MemorySize.parse("1024m"))
            .start()) {
      pids = cluster.pids();
      registered = cluster.rest().taskManagerIds();
      StreamExecutionEnvironment env = cluster.environment(conf);
      TlAlignJob.build(env, conf);
      result = env.execute("tlalign-" + run);
      state = cluster.rest().jobState(result.getJobID());
      placed = cluster.rest().placement(result.getJobID(), "train-replicas");
    }

    assertThat(pids).as("JobManager and two TaskManagers").hasSize(3).doesNotHaveDuplicates();
    assertThat(pids).doesNotContain(ProcessHandle.current().pid());
    assertThat(registered).containsExactlyInAnyOrder("tm-1", "tm-2");
    assertThat(state).isEqualTo("FINISHED");
    assertThat(placed).extracting(SubtaskPlacement::subtask).containsExactlyInAnyOrder(0, 1);
    assertThat(placed).extracting(SubtaskPlacement::status).containsOnly("FINISHED");
    assertThat(placed)
        .as("one replica per TaskManager process")
        .extracting(SubtaskPlacement::taskManagerId)
        .containsExactlyInAnyOrder("tm-1", "tm-2");
    for (String tm : List.of("tm-1", "tm-2")) {
      assertThat(Files.readString(clusterDir.resolve("log").resolve(tm + ".log")))
          .as("%s loaded its own engine", tm)
          .contains("loaded offline from");
    }

    // Every record trained once, across the two processes.
    long images = result.getAccumulatorResult(TrainingTimes.IMAGES);
    assertThat(images).isEqualTo(IMAGES);
    List<String> ledger = result.getAccumulatorResult(TrainFunction.LEDGER_ACCUMULATOR);
    assertThat(ledger).hasSize(IMAGES).doesNotHaveDuplicates();
    assertThat(runs.models(conf)).as("published models").isNotEmpty();

    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("cluster process %d after close", pid)
          .isFalse();
    }
  }
}
