package io.tlalign.local.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;

/**
 * Where {@link ScaleBenchmark} runs one bounded job: a cluster in this JVM, or separate processes.
 */
public interface ScaleJobRunner {

  /**
   * Runs the job of {@code conf} with {@code replicas} training replicas to its end.
   *
   * @param work a folder for this run's files (it is deleted with the benchmark's)
   * @return the result, with the job's accumulators
   */
  JobExecutionResult run(Configuration conf, int replicas, String name, Path work, PrintStream out)
      throws Exception;
}
