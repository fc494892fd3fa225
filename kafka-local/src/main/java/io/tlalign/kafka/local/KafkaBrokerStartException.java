package io.tlalign.kafka.local;

/**
 * The local Kafka broker did not come up. The message says what failed and ends with the tail of
 * the broker's log, so a test failure shows the broker's own reason.
 */
public final class KafkaBrokerStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public KafkaBrokerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
