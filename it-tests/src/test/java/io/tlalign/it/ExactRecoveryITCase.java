package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.pipeline.job.TlAlignOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing lost, nothing trained twice: the same job on the same 3,000 Fashion-MNIST images, once
 * without a failure and once with an exception in the training operator, one in the pairing
 * operator and the loss of task managers, ends with bit-identical parameters, optimizer moments and
 * step, and a ledger that lists every record exactly once.
 */
class ExactRecoveryITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(2)
              .setNumberSlotsPerTaskManager(2)
              .build());

  private static final int IMAGES = 3000;

  @TempDir static Path work;
  private static JobRuns runs;

  @BeforeAll
  static void replayImages() throws Exception {
    runs = JobRuns.onFreshTopic(KAFKA.bootstrapServers(), work, IMAGES);
  }

  @Test
  void aRunWithInjectedFailuresEndsBitIdenticalToAnUninterruptedOne(
      @InjectMiniCluster MiniCluster cluster) throws Exception {
    JobRuns.Outcome clean = runs.runToEnd(runs.config(JobRuns.newRunName("clean")));

    String faulty = JobRuns.newRunName("faulty");
    Path markers = work.resolve("markers-" + faulty);
    Configuration conf = runs.config(faulty);
    conf.set(TlAlignOptions.FAULT_MARKER_DIR, markers.toString());
    conf.set(TlAlignOptions.FAULT_TRAIN_AT_STEP, 20L);
    conf.set(TlAlignOptions.FAULT_PAIRING_AT_BATCH, 45L);
    // Lose both original task managers, one after the other, once the run is past step 60.
    AtomicInteger lost = new AtomicInteger();
    CompletableFuture<Void> chaos =
        CompletableFuture.runAsync(() -> loseTaskManagersAfterStep(cluster, conf, 60, lost));
    JobRuns.Outcome recovered = runs.runToEnd(conf);
    chaos.get();

    assertThat(Files.exists(markers.resolve("train-20.fired"))).isTrue();
    assertThat(Files.exists(markers.resolve("pairing-45.fired"))).isTrue();
    assertThat(lost.get()).as("task managers lost during the run").isEqualTo(2);

    int steps = (IMAGES + 31) / 32;
    assertThat(clean.state().step()).isEqualTo(steps);
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

  private static void loseTaskManagersAfterStep(
      MiniCluster cluster, Configuration conf, long step, AtomicInteger lost) {
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      boolean reached = false;
      while (!reached && System.nanoTime() < deadline) {
        Thread.sleep(200);
        reached = runs.models(conf).stream().anyMatch(m -> m.getStep() >= step);
      }
      if (!reached) {
        return;
      }
      for (int tm = 0; tm < 2; tm++) {
        cluster.startTaskManager();
        cluster.terminateTaskManager(0).get();
        lost.incrementAndGet();
        Thread.sleep(1500);
      }
    } catch (Exception e) {
      throw new IllegalStateException("could not lose the task managers", e);
    }
  }
}
