package io.tlalign.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.settings.TlAlignOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class TlAlignJobTest {

  private static Configuration conf() {
    Configuration c = new Configuration();
    c.set(TlAlignOptions.BOOTSTRAP_SERVERS, "127.0.0.1:1");
    return c;
  }

  private static StreamExecutionEnvironment built(Configuration c) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    TlAlignJob.build(env, c);
    return env;
  }

  @Test
  void checkpointsAreExactlyOnceUnalignedAndOnAFileSystemByDefault() {
    // The JobManager's in-memory storage caps state at 5 MB: one model's state is larger.
    StreamExecutionEnvironment env = built(conf());
    var cp = env.getCheckpointConfig();
    assertThat(cp.getCheckpointingConsistencyMode().name()).isEqualTo("EXACTLY_ONCE");
    assertThat(cp.isUnalignedCheckpointsEnabled()).isTrue();
    assertThat(cp.getCheckpointStorage()).isInstanceOf(FileSystemCheckpointStorage.class);
    assertThat(((FileSystemCheckpointStorage) cp.getCheckpointStorage()).getCheckpointPath())
        .hasToString("file:" + System.getProperty("java.io.tmpdir") + "/tlalign-checkpoints");
  }

  @Test
  void theJobsOwnCheckpointDirWins() {
    Configuration c = conf();
    c.set(TlAlignOptions.CHECKPOINT_DIR, "file:///var/tlalign/checkpoints");
    var storage = built(c).getCheckpointConfig().getCheckpointStorage();
    assertThat(((FileSystemCheckpointStorage) storage).getCheckpointPath())
        .hasToString("file:/var/tlalign/checkpoints");
  }

  @Test
  void aClusterCheckpointDirIsLeftToTheCluster() {
    Configuration c = conf();
    c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://bucket/checkpoints");
    assertThat(built(c).getCheckpointConfig().getCheckpointStorage()).isNull();
  }

  @Test
  void aMissingBootstrapServerIsRefusedWithTheFix() {
    assertThatThrownBy(() -> built(new Configuration()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tlalign.kafka.bootstrap-servers")
        .hasMessageContaining("--bootstrap-servers host:port");
  }

  @Test
  void replicasTrainInParallelWithForcedUnalignedCheckpoints() {
    Configuration c = conf();
    c.set(TlAlignOptions.REPLICAS, 3);
    StreamExecutionEnvironment env = built(c);
    assertThat(env.getCheckpointConfig().isForceUnalignedCheckpoints()).isTrue();
    var graph = env.getStreamGraph();
    var replicas =
        graph.getStreamNodes().stream()
            .filter(n -> n.getOperatorName().equals("train-replicas"))
            .findFirst()
            .orElseThrow();
    assertThat(replicas.getParallelism()).isEqualTo(3);
    assertThat(graph.getStreamNodes().stream().map(n -> n.getOperatorName()))
        .doesNotContain("train");
    assertThat(syncSourceParallelism(graph))
        .as("sharded by default: reader s feeds replica s")
        .isEqualTo(3);
    c.set(TlAlignOptions.SYNC_EXCHANGE, "broadcast");
    assertThat(syncSourceParallelism(built(c).getStreamGraph())).isEqualTo(1);
  }

  private static int syncSourceParallelism(org.apache.flink.streaming.api.graph.StreamGraph graph) {
    return graph.getStreamNodes().stream()
        .filter(n -> n.getOperatorName().startsWith("Source: tlalign.sync"))
        .findFirst()
        .orElseThrow()
        .getParallelism();
  }

  @Test
  void oneReplicaKeepsTheSingleTrainer() {
    var graph = built(conf()).getStreamGraph();
    assertThat(graph.getStreamNodes().stream().map(n -> n.getOperatorName()))
        .contains("train")
        .doesNotContain("train-replicas");
  }

  @Test
  void badReplicaSettingsAreRefusedWithTheFix() {
    Configuration zero = conf();
    zero.set(TlAlignOptions.REPLICAS, 0);
    assertThatThrownBy(() -> built(zero))
        .hasMessageContaining("tlalign.replicas must be > 0, got 0");
    Configuration lag = conf();
    lag.set(TlAlignOptions.REPLICAS, 2);
    lag.set(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS, -1);
    assertThatThrownBy(() -> built(lag))
        .hasMessageContaining("tlalign.sync.apply-lag-rounds must be >= 0, got -1");
    Configuration apply = conf();
    apply.set(TlAlignOptions.REPLICAS, 2);
    apply.set(TlAlignOptions.SYNC_APPLY, "sometimes");
    assertThatThrownBy(() -> built(apply))
        .hasMessageContaining("tlalign.sync.apply is \"sometimes\"; use replace");
    Configuration gradients = conf();
    gradients.set(TlAlignOptions.REPLICAS, 2);
    gradients.set(TlAlignOptions.SYNC_APPLY, "gradients");
    gradients.set(TlAlignOptions.SYNC_EVERY_STEPS, 10);
    assertThatThrownBy(() -> built(gradients))
        .hasMessageContaining("tlalign.sync.apply = gradients")
        .hasMessageContaining("tlalign.sync.every-steps = 1")
        .hasMessageContaining("got 10 and 0");
    gradients.removeConfig(TlAlignOptions.SYNC_EVERY_STEPS);
    io.tlalign.job.sync.SyncSettings defaulted = io.tlalign.job.sync.SyncSettings.from(gradients);
    assertThat(defaulted.everySteps()).as("K under gradients when unset").isEqualTo(1);
    assertThat(defaulted.lagRounds()).as("S under gradients when unset").isEqualTo(0);
    Configuration outer = conf();
    outer.set(TlAlignOptions.REPLICAS, 2);
    outer.set(TlAlignOptions.SYNC_APPLY, "updates");
    outer.set(TlAlignOptions.SYNC_OUTER_MOMENTUM, 1.0);
    assertThatThrownBy(() -> built(outer))
        .hasMessageContaining("tlalign.sync.outer-momentum in [0, 1), got 1.0 and 1.0");
    Configuration topic = conf();
    topic.set(TlAlignOptions.REPLICAS, 2);
    topic.set(TlAlignOptions.SYNC_TOPIC, TlAlignOptions.METRICS_TOPIC.defaultValue());
    assertThatThrownBy(() -> built(topic))
        .hasMessageContaining("the same as tlalign.topic.metrics");
  }
}
