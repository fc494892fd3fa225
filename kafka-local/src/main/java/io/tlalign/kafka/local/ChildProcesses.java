package io.tlalign.kafka.local;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stopping a forked JVM and everything it started. The broker's processes use it, and so does
 * {@code local}'s standalone Flink cluster: {@code kafka-local} is the lowest module both depend on
 * (it depends on no other tlalign module), so the one copy lives here.
 */
public final class ChildProcesses {

  private ChildProcesses() {}

  /**
   * SIGTERM (the JVM's shutdown hooks run), wait up to {@code grace}, then SIGKILL to the process
   * and every descendant.
   *
   * @param name what the process is, for the error when it survives SIGKILL
   * @return whether the process exited on its own within the grace period
   * @throws IllegalStateException when it is still alive 10 s after SIGKILL
   */
  public static boolean stop(Process process, Duration grace, String name) {
    List<ProcessHandle> descendants = process.descendants().toList();
    boolean clean = !process.isAlive();
    boolean interrupted = false;
    if (!clean) {
      process.destroy();
      try {
        clean = process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (!clean) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      descendants.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException(name + " pid " + process.pid() + " survived SIGKILL");
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    descendants.forEach(ProcessHandle::destroyForcibly);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return clean;
  }
}
