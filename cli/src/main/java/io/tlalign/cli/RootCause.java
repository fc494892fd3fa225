package io.tlalign.cli;

import java.util.Set;

/**
 * The innermost cause of a failure, as one line: Flink wraps a job's failure in several layers
 * ("Failed to execute job", "Job execution failed", "Recovery is suppressed ..."), none of which
 * says what went wrong.
 */
final class RootCause {

  /** Exception types whose message says it all; any other type's name starts the line. */
  private static final Set<Class<?>> PLAIN =
      Set.of(
          Exception.class,
          RuntimeException.class,
          IllegalArgumentException.class,
          IllegalStateException.class,
          UnsupportedOperationException.class,
          java.io.UncheckedIOException.class);

  private RootCause() {}

  /** The innermost cause's message, after its type unless that adds nothing. */
  static String of(Throwable t) {
    Throwable root = innermost(t);
    String msg = root.getMessage();
    String type = root.getClass().getSimpleName();
    if (msg == null || msg.isBlank()) {
      return type;
    }
    boolean plain =
        PLAIN.contains(root.getClass()) || root.getClass().getName().startsWith("io.tlalign.");
    return plain ? firstLine(msg) : type + ": " + firstLine(msg);
  }

  /**
   * One line for a failure: {@code t}'s own message, then the root cause when the message does not
   * already say it (a wrapper's "Failed to execute job" says nothing of the cause).
   */
  static String line(Throwable t) {
    Throwable root = innermost(t);
    String own = firstLine(t.getMessage());
    if (root == t || own.isEmpty()) {
      return of(t);
    }
    String rootLine = firstLine(root.getMessage());
    return !rootLine.isEmpty() && own.contains(rootLine) ? own : own + ": " + of(t);
  }

  private static String firstLine(String msg) {
    return msg == null ? "" : msg.lines().findFirst().orElse("").strip();
  }

  private static Throwable innermost(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root;
  }
}
