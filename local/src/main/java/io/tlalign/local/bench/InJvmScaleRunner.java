package io.tlalign.local.bench;

import io.tlalign.job.TlAlignJob;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A local Flink cluster in this JVM (a MiniCluster with max(2, P) slots). DJL lets one gradient
 * collector work at a time per JVM, so its replicas take turns: it measures the sync protocol, not
 * a speed-up.
 */
public final class InJvmScaleRunner implements ScaleJobRunner {

  @Override
  public JobExecutionResult run(
      Configuration conf, int replicas, String name, Path work, PrintStream out) throws Exception {
    Configuration cluster = new Configuration(conf);
    cluster.set(TaskManagerOptions.NUM_TASK_SLOTS, Math.max(2, replicas));
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(Math.max(2, replicas), cluster);
    TlAlignJob.build(env, conf);
    return env.execute(name);
  }
}
