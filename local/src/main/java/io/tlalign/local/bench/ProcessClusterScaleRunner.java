package io.tlalign.local.bench;

import io.tlalign.job.TlAlignJob;
import io.tlalign.local.cluster.StandaloneFlinkCluster;
import io.tlalign.local.cluster.SubtaskPlacement;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A standalone cluster of separate processes per run: one JobManager and P TaskManager JVMs with
 * one slot each, so replica i trains in TaskManager process i with its own engine, as on
 * Kubernetes. Prints where each replica ran, read back from Flink's REST API.
 */
public final class ProcessClusterScaleRunner implements ScaleJobRunner {

  /** The operator of the P > 1 replicas, and of the single trainer. */
  static final String REPLICAS_OPERATOR = "train-replicas";

  static final String SINGLE_OPERATOR = "train";

  /** The pairing operator (parallelism 1) that cuts every replica's batches. */
  static final String PIPELINE_OPERATOR = "pair-and-cutmix";

  @Override
  public JobExecutionResult run(
      Configuration conf, int replicas, String name, Path work, PrintStream out) throws Exception {
    try (StandaloneFlinkCluster cluster =
        StandaloneFlinkCluster.builder()
            .setFolder(work.resolve("cluster-" + name))
            .optTaskManagers(replicas)
            .start()) {
      out.printf(Locale.ROOT, "scale: cluster=processes %s%n", cluster.describe());
      StreamExecutionEnvironment env = cluster.environment(conf);
      TlAlignJob.build(env, conf);
      JobExecutionResult result = env.execute(name);
      List<SubtaskPlacement> placed =
          cluster
              .rest()
              .placement(result.getJobID(), replicas > 1 ? REPLICAS_OPERATOR : SINGLE_OPERATOR);
      long distinct = placed.stream().map(SubtaskPlacement::taskManagerId).distinct().count();
      // The one ordered path into the replicas shares a TaskManager's core with one of them.
      List<SubtaskPlacement> pipeline =
          cluster.rest().placement(result.getJobID(), PIPELINE_OPERATOR);
      out.printf(
          Locale.ROOT,
          "scale: placement replicas=%d distinct_task_managers=%d subtasks=%s pairing=%s%n",
          replicas,
          distinct,
          placed.stream()
              .map(s -> s.subtask() + "@" + s.taskManagerId() + "(" + s.endpoint() + ")")
              .collect(Collectors.joining(",")),
          pipeline.stream().map(SubtaskPlacement::taskManagerId).collect(Collectors.joining(",")));
      if (distinct != replicas) {
        out.printf(
            Locale.ROOT,
            "scale: warning: %d replicas ran in %d TaskManager processes; the figures above do"
                + " not show one process per replica%n",
            replicas,
            distinct);
      }
      return result;
    }
  }
}
