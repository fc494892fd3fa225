package io.tlalign.local.cluster;

import io.tlalign.kafka.local.ChildProcesses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One JVM of the standalone cluster (the JobManager or a TaskManager): started through {@link
 * ExitWithParent}, its output in {@code <name>.out} and its log in {@code <name>.log}, stopped with
 * SIGTERM and, after a grace period, SIGKILL to it and every descendant.
 */
final class ClusterProcess {

  private static final int TAIL_LINES = 30;

  private final String name;
  private final Path out;
  private final Path log;
  private final Process process;

  private ClusterProcess(String name, Path out, Path log, Process process) {
    this.name = name;
    this.out = out;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts {@code java <jvmOptions> -cp <classpath> ExitWithParent <mainClass> <arguments>} in
   * {@code logDir} with {@code environment} added to this JVM's.
   */
  static ClusterProcess start(
      String name,
      Path logDir,
      List<String> jvmOptions,
      List<String> classpath,
      Map<String, String> environment,
      String mainClass,
      List<String> arguments) {
    Path out = logDir.resolve(name + ".out");
    Path log = logDir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-Dlog.file=" + log);
    cmd.add("-cp");
    cmd.add(String.join(java.io.File.pathSeparator, classpath));
    cmd.add(ExitWithParent.class.getName());
    cmd.add(mainClass);
    cmd.addAll(arguments);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(logDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile());
    // Standard input stays a pipe whose write end this JVM holds: see ExitWithParent.
    pb.environment().putAll(environment);
    try {
      return new ClusterProcess(name, out, log, pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not start the " + name + " JVM (" + cmd.get(0) + ")", e);
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  /** Throws, with the tails of its output and log, when the process has exited. */
  void checkAlive(String during) {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "the "
              + name
              + " JVM (pid "
              + process.pid()
              + ") exited with code "
              + process.exitValue()
              + " while "
              + during
              + tails());
    }
  }

  /** The last lines of its output and log, for an error message. */
  String tails() {
    StringBuilder msg = new StringBuilder();
    for (Path f : List.of(out, log)) {
      String tail = tail(f);
      if (!tail.isBlank()) {
        msg.append("\n--- last lines of ").append(f).append(" ---\n").append(tail);
      }
    }
    return msg.toString();
  }

  /**
   * SIGTERM (Flink's shutdown hooks run), up to {@code grace}, then SIGKILL to the process and its
   * descendants.
   *
   * @return whether it exited within the grace period
   */
  boolean stop(Duration grace) {
    boolean clean = ChildProcesses.stop(process, grace, name);
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // Already gone with the process.
    }
    return clean;
  }

  private static String tail(Path file) {
    try {
      if (!Files.isRegularFile(file)) {
        return "";
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
