package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.sync.ParameterDigest;
import io.tlalign.job.sync.ReplicaTrainOperator;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling the replicas through a savepoint, on a MiniCluster and a real broker: two replicas
 * (sharded exchange) stopped with a savepoint part-way, resumed as three. Every new replica starts
 * from the consensus of the last round applied before the savepoint (the mean of that round's
 * contributions, computed here from the shards on the sync topic), says so in its sync ledger, the
 * sync topic gains the partition the third replica needs, and every record is trained exactly once
 * across both lives.
 */
class RescaleITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  @RegisterExtension static final MiniClusterExtension CLUSTER = JobRuns.miniCluster(2, 2);

  private static final int IMAGES = 1024;

  @TempDir static Path work;
  private static JobRuns runs;

  @BeforeAll
  static void replayImages() throws Exception {
    runs = JobRuns.onFreshTopic(KAFKA.bootstrapServers(), work, IMAGES);
  }

  private static Configuration config(String run, int replicas) {
    Configuration conf = runs.config(run);
    // Bounded: the savepoint keeps the end offsets, so the second life ends with the topic and its
    // final round settles every replica (an unbounded tail waits for rounds more data would bring).
    conf.set(TlAlignOptions.REPLICAS, replicas);
    conf.set(TlAlignOptions.SYNC_EXCHANGE, "sharded");
    conf.set(TlAlignOptions.SYNC_TOPIC, "tlalign.sync." + run);
    conf.set(TlAlignOptions.SYNC_EVERY_STEPS, 2);
    conf.set(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS, 1);
    return conf;
  }

  /** Stops a run of {@code replicas} once a model of step 4 is out; the savepoint's path. */
  private static String runUntilSavepoint(Configuration conf, String name) throws Exception {
    JobClient job = JobRuns.environment(conf).executeAsync(name);
    JobRuns.waitUpTo(
        Duration.ofMinutes(3), () -> JobRuns.models(conf).stream().anyMatch(m -> m.getStep() >= 4));
    return job.stopWithSavepoint(
            false, work.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
        .get();
  }

  private static void trainedOnce(List<String> ledger) {
    assertThat(ledger).as("records trained across both lives").hasSize(IMAGES);
    assertThat(new HashSet<>(ledger)).hasSize(IMAGES);
  }

  @Test
  void oneTrainerResumesAsTwoReplicasAndTwoReplicasAsOneTrainer() throws Exception {
    String up = JobRuns.newRunName("one-to-two");
    Configuration one = config(up, 1);
    String savepoint = runUntilSavepoint(one, "tlalign-rescale-p1");
    Configuration two = config(up, 2);
    two.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics." + up + "-p2");
    two.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    JobExecutionResult result = runs.execute(two);
    trainedOnce(result.getAccumulatorResult(TrainFunction.LEDGER_ACCUMULATOR));
    List<String> syncLedger =
        result.getAccumulatorResult(ReplicaTrainOperator.SYNC_LEDGER_ACCUMULATOR);
    assertThat(syncLedger.stream().filter(l -> l.contains("rescaled_from_1_replicas")))
        .as("both replicas start from the one trainer's state")
        .hasSize(2);
    assertThat(
            syncLedger.stream()
                .filter(l -> l.contains("rescaled_from_1_replicas"))
                .map(l -> ReplicaSyncITCase.field(l, "params"))
                .distinct())
        .hasSize(1);

    // Unbounded this way: a bounded savepoint may hold the pairing operator finished, which Flink
    // cannot restore into the one trainer's chain with it (mixed finished states in one task).
    String down = JobRuns.newRunName("two-to-one");
    Configuration replicas = config(down, 2);
    replicas.set(TlAlignOptions.BOUNDED, false);
    replicas.set(TlAlignOptions.EVAL_ENABLED, false);
    savepoint = runUntilSavepoint(replicas, "tlalign-rescale-p2");
    Configuration single = config(down, 1);
    single.set(TlAlignOptions.BOUNDED, false);
    single.set(TlAlignOptions.EVAL_ENABLED, false);
    single.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics." + down + "-p1");
    single.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    // One trainer has no sync source or sink: their state in the savepoint has no operator.
    single.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
    JobClient resumed = JobRuns.environment(single).executeAsync("tlalign-rescale-p1");
    List<String> ledger = List.of();
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (ledger.size() < IMAGES && System.nanoTime() < deadline) {
        @SuppressWarnings("unchecked")
        List<String> ids =
            (List<String>) resumed.getAccumulators().get().get(TrainFunction.LEDGER_ACCUMULATOR);
        ledger = ids == null ? List.of() : ids;
        Thread.sleep(500);
      }
    } finally {
      resumed.cancel().get();
    }
    trainedOnce(ledger);
  }

  @Test
  void twoReplicasStoppedWithASavepointResumeAsThreeFromTheConsensus() throws Exception {
    String run = JobRuns.newRunName("rescale");
    Configuration first = config(run, 2);
    String savepoint = runUntilSavepoint(first, "tlalign-rescale-p2");

    Configuration second = config(run, 3);
    second.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics." + run + "-p3");
    second.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
    JobExecutionResult result = runs.execute(second);
    List<String> ledger = result.getAccumulatorResult(TrainFunction.LEDGER_ACCUMULATOR);
    List<String> syncLedger =
        result.getAccumulatorResult(ReplicaTrainOperator.SYNC_LEDGER_ACCUMULATOR);
    trainedOnce(ledger);

    List<String> rescaled =
        syncLedger.stream().filter(l -> l.contains(" round=rescale ")).sorted().toList();
    assertThat(rescaled).as("every new replica says what it did").hasSize(3);
    Matcher m = Pattern.compile("round_(\\d+),").matcher(rescaled.get(0));
    assertThat(m.find()).as("the consensus round in " + rescaled.get(0)).isTrue();
    long round = Long.parseLong(m.group(1));
    assertThat(round).isPositive();
    assertThat(rescaled.get(0)).contains("rescaled_from_2_replicas").contains("to_3");

    // The consensus of that round, computed here: the mean of the two replicas' contributions.
    List<NamedTensor> layout = JobRuns.lastModel(first).parameters();
    List<TrainingState> contributions =
        ReplicaSyncITCase.roundsOnTopic(KAFKA.bootstrapServers(), first, layout, 0).get(round);
    assertThat(contributions).as("contributions of round %d", round).hasSize(2);
    String expected = ParameterDigest.of(ReplicaSyncITCase.mean(contributions));
    for (String line : rescaled) {
      assertThat(ReplicaSyncITCase.field(line, "params")).as(line).isEqualTo(expected);
    }
    // The third replica's shard partition was added to the topic for the second life.
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      assertThat(
              kafka.readAll(second.get(TlAlignOptions.SYNC_TOPIC)).stream()
                  .map(r -> r.partition())
                  .distinct()
                  .sorted()
                  .toList())
          .contains(3);
    }
  }
}
