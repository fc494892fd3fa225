package io.tlalign.job;

/**
 * Kafka refused what the job needs (authentication, a missing ACL, a listener that speaks another
 * protocol), found before the job is submitted: Flink would otherwise restart the job on it. The
 * message is one line for people: what was refused, on what, and the fix; it never holds a secret.
 */
public final class KafkaAccessException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public KafkaAccessException(String message) {
    super(message);
  }

  public KafkaAccessException(String message, Throwable cause) {
    super(message, cause);
  }
}
