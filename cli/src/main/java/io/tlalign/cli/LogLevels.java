package io.tlalign.cli;

/**
 * Quiets loggers whose warnings are noise on the command line, unless {@code TLALIGN_LOG_LEVEL} is
 * set (then every warning stays).
 */
final class LogLevels {

  private LogLevels() {}

  /**
   * The Kafka source registers its client metrics twice, and each transactional sink's committer
   * its {@code pendingCommittables} gauge on every checkpoint; Flink warns about each name (about a
   * hundred lines, then more with every checkpoint), which would bury the progress line.
   */
  static void quietKafkaMetricWarnings() {
    quiet("org.apache.flink.runtime.metrics.groups");
    quiet("org.apache.flink.metrics.MetricGroup");
  }

  /**
   * Start-up warnings of a local Flink cluster and its Kafka clients that ask nothing of the user:
   * no delegation tokens (none are used), no log file for the web UI, and DJL probing for a CUDA
   * driver on a CPU machine. Kafka's "supplied but not used" warnings stay: they also catch a
   * misspelled property in a --kafka-config file.
   */
  static void quietFrameworkStartupWarnings() {
    quiet("org.apache.flink.runtime.security.token.DefaultDelegationTokenManager");
    quiet("org.apache.flink.runtime.webmonitor.WebMonitorUtils");
    quiet("ai.djl.util.cuda.CudaUtils");
  }

  /** Sets {@code logger} to ERROR through log4j2, if that is the logging backend. */
  static void quiet(String logger) {
    if (System.getenv("TLALIGN_LOG_LEVEL") != null) {
      return;
    }
    try {
      Class<?> level = Class.forName("org.apache.logging.log4j.Level");
      Object error = level.getMethod("getLevel", String.class).invoke(null, "ERROR");
      Class.forName("org.apache.logging.log4j.core.config.Configurator")
          .getMethod("setLevel", String.class, level)
          .invoke(null, logger, error);
    } catch (ReflectiveOperationException | LinkageError e) {
      // another logging backend: the warnings stay
    }
  }
}
