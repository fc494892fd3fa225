package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.settings.TlAlignOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost, nothing trained twice: the same job on the same 3,000 Fashion-MNIST images, once
 * without a failure and once with an exception in the training operator, one in the pairing
 * operator and the loss of two distinct task managers, ends with bit-identical parameters,
 * optimizer moments and step, and a ledger that lists every record exactly once.
 *
 * <p>Each task manager is lost while the job runs and after a completed checkpoint; Flink's own
 * statistics must then show a restart and a restore from that checkpoint (or a later one), never a
 * restart from scratch.
 */
class ExactRecoveryITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  /**
   * One slot per task manager and a job of two slots (decode at parallelism 2, one slot sharing
   * group): every live task manager that is not a fresh spare hosts tasks of the job, so losing it
   * fails the job over. The metric fetcher refreshes fast, for the {@code numRestarts} metric.
   */
  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      JobRuns.miniCluster(
          2,
          1,
          new Configuration()
              .set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(100)));

  private static final int IMAGES = 3000;

  /** Batches of 16: 188 steps, so that the job still runs when the second TM is lost. */
  private static final int BATCH = 16;

  private static final long STEPS = (IMAGES + BATCH - 1) / BATCH;

  @TempDir static Path work;
  private static JobRuns runs;

  @BeforeAll
  static void replayImages() throws Exception {
    runs = JobRuns.onFreshTopic(KAFKA.bootstrapServers(), work, IMAGES);
  }

  /** What Flink reported around the loss of one task manager. */
  record Loss(
      int taskManager,
      long stepBefore,
      long completedCheckpointBefore,
      long restartsBefore,
      long restartsAfter,
      long restoredCheckpoint) {}

  @Test
  void aRunWithInjectedFailuresEndsBitIdenticalToAnUninterruptedOne(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    JobRuns.Outcome clean = runs.runToEnd(config(JobRuns.newRunName("clean")));

    String faulty = JobRuns.newRunName("faulty");
    Path markers = work.resolve("markers-" + faulty);
    Configuration conf = config(faulty);
    conf.set(TlAlignOptions.FAULT_MARKER_DIR, markers.toString());
    conf.set(TlAlignOptions.FAULT_TRAIN_AT_STEP, 20L);
    conf.set(TlAlignOptions.FAULT_PAIRING_AT_BATCH, 45L);
    JobClient job =
        JobRuns.environment(conf).executeAsync("tlalign-" + conf.get(TlAlignOptions.GROUP_ID));
    List<Loss> losses = new ArrayList<>();
    JobRuns.Outcome recovered;
    try {
      // Both injected exceptions first, then task managers 0 and 1: two distinct ones. A spare
      // is started before each loss, so that the job finds its two slots again.
      waitFor(
          "both injected faults fired",
          () ->
              Files.exists(markers.resolve("train-20.fired"))
                  && Files.exists(markers.resolve("pairing-45.fired")));
      losses.add(loseTaskManager(cluster, job.getJobID(), conf, 0));
      losses.add(loseTaskManager(cluster, job.getJobID(), conf, 1));
      recovered = runs.outcome(conf, job.getJobExecutionResult().get(10, TimeUnit.MINUTES));
    } finally {
      if (!job.getJobStatus().get().isGloballyTerminalState()) {
        job.cancel().get();
      }
    }
    for (Loss loss : losses) {
      System.out.println("ExactRecoveryITCase: " + loss);
    }

    assertThat(Files.exists(markers.resolve("train-20.fired"))).isTrue();
    assertThat(Files.exists(markers.resolve("pairing-45.fired"))).isTrue();
    assertThat(losses).as("task managers lost while the job ran").hasSize(2);
    assertThat(losses).extracting(Loss::taskManager).containsExactly(0, 1);
    for (Loss loss : losses) {
      assertThat(loss.restartsAfter())
          .as("restarts after " + loss)
          .isGreaterThan(loss.restartsBefore());
      assertThat(loss.restoredCheckpoint())
          .as("restored checkpoint after " + loss)
          .isGreaterThanOrEqualTo(loss.completedCheckpointBefore());
    }
    assertThat(losses.get(1).restoredCheckpoint())
        .as("the second restore comes from a checkpoint taken after the first")
        .isGreaterThan(losses.get(0).restoredCheckpoint());

    assertThat(clean.state().step()).isEqualTo(STEPS);
    assertThat(recovered.state().step()).isEqualTo(clean.state().step());
    assertThat(recovered.state().optimizerStepCount())
        .isEqualTo(clean.state().optimizerStepCount());
    assertThat(recovered.state().parameters()).isEqualTo(clean.state().parameters());
    assertThat(recovered.state().firstMoments()).isEqualTo(clean.state().firstMoments());
    assertThat(recovered.state().secondMoments()).isEqualTo(clean.state().secondMoments());

    assertThat(clean.ledger()).hasSize(IMAGES);
    assertThat(new HashSet<>(clean.ledger())).hasSize(IMAGES);
    assertThat(recovered.ledger()).containsExactlyElementsOf(clean.ledger());
  }

  private static Configuration config(String run) {
    Configuration conf = runs.config(run);
    conf.set(TlAlignOptions.BATCH_SIZE, BATCH);
    return conf;
  }

  /**
   * Loses task manager {@code index} once the job runs with all its tasks and has completed a
   * checkpoint since its latest restore; then waits for Flink to restart the job and restore it,
   * and reports what Flink observed.
   */
  private static Loss loseTaskManager(
      MiniCluster cluster, JobID jobId, Configuration conf, int index) throws Exception {
    waitFor(
        "a completed checkpoint of the running job before losing TM " + index,
        () -> {
          AccessExecutionGraph graph = cluster.getExecutionGraph(jobId).get();
          if (graph.getState() != JobStatus.RUNNING || !allTasksRunning(graph)) {
            return false;
          }
          CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
          CompletedCheckpointStats completed = stats.getHistory().getLatestCompletedCheckpoint();
          RestoredCheckpointStats restored = stats.getLatestRestoredCheckpoint();
          return completed != null
              && (restored == null || completed.getCheckpointId() > restored.getCheckpointId())
              && numRestarts(cluster, jobId) >= 0;
        });
    long restartsBefore = settledNumRestarts(cluster, jobId);
    long step = latestStep(conf);
    AccessExecutionGraph before = cluster.getExecutionGraph(jobId).get();
    assertThat(before.getState())
        .as("the job's state when TM " + index + " is lost")
        .isEqualTo(JobStatus.RUNNING);
    assertThat(step).as("the job's step when TM " + index + " is lost").isLessThan(STEPS);
    CheckpointStatsSnapshot statsBefore = before.getCheckpointStatsSnapshot();
    long completedBefore =
        statsBefore.getHistory().getLatestCompletedCheckpoint().getCheckpointId();
    long restoresBefore = statsBefore.getCounts().getNumberOfRestoredCheckpoints();

    cluster.startTaskManager();
    // MiniCluster.terminateTaskManager(i) closes the i-th task manager ever started; the list is
    // not shortened, so distinct indices are distinct task managers.
    cluster.terminateTaskManager(index).get(60, TimeUnit.SECONDS);

    waitFor(
        "a restore of the job after losing TM " + index,
        () -> {
          AccessExecutionGraph graph = cluster.getExecutionGraph(jobId).get();
          if (graph.getState().isGloballyTerminalState()) {
            throw new AssertionError(
                "the job ended (" + graph.getState() + ") instead of restoring after TM " + index);
          }
          CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
          return stats.getCounts().getNumberOfRestoredCheckpoints() > restoresBefore
              && stats.getLatestRestoredCheckpoint() != null
              && numRestarts(cluster, jobId) > restartsBefore;
        });
    RestoredCheckpointStats restored =
        cluster
            .getExecutionGraph(jobId)
            .get()
            .getCheckpointStatsSnapshot()
            .getLatestRestoredCheckpoint();
    return new Loss(
        index,
        step,
        completedBefore,
        restartsBefore,
        numRestarts(cluster, jobId),
        restored.getCheckpointId());
  }

  private static boolean allTasksRunning(AccessExecutionGraph graph) {
    for (AccessExecutionVertex v : graph.getAllExecutionVertices()) {
      if (v.getExecutionState() != ExecutionState.RUNNING) {
        return false;
      }
    }
    return true;
  }

  private static long latestStep(Configuration conf) throws Exception {
    return JobRuns.models(conf).stream().mapToLong(m -> m.getStep()).max().orElse(-1);
  }

  private static final Pattern NUM_RESTARTS =
      Pattern.compile("\"id\"\\s*:\\s*\"numRestarts\"\\s*,\\s*\"value\"\\s*:\\s*\"(\\d+)\"");

  /** The job's {@code numRestarts} metric from the cluster's REST API; -1 while not reported. */
  private static long numRestarts(MiniCluster cluster, JobID jobId) throws Exception {
    URI rest = cluster.getRestAddress().get();
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(rest.resolve("/jobs/" + jobId + "/metrics?get=numRestarts"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    Matcher m = NUM_RESTARTS.matcher(response.body());
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /**
   * {@link #numRestarts}, read until two reads 300 ms apart agree (the REST metrics are cached).
   */
  private static long settledNumRestarts(MiniCluster cluster, JobID jobId) throws Exception {
    long previous = numRestarts(cluster, jobId);
    while (true) {
      Thread.sleep(300);
      long current = numRestarts(cluster, jobId);
      if (current == previous) {
        return current;
      }
      previous = current;
    }
  }

  private static void waitFor(String what, JobRuns.Condition condition) throws Exception {
    JobRuns.waitFor(what, Duration.ofMinutes(5), condition);
  }
}
