package io.tlalign.cli;

/**
 * The innermost cause of a failure, as one line: Flink wraps a job's failure in several layers
 * ("Failed to execute job", "Job execution failed", "Recovery is suppressed ..."), none of which
 * says what went wrong.
 */
final class RootCause {

  private RootCause() {}

  static String of(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    return msg == null || msg.isBlank() ? root.getClass().getSimpleName() : msg;
  }
}
