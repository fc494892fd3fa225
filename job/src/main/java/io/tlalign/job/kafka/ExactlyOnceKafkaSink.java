package io.tlalign.job.kafka;

import io.tlalign.job.settings.KafkaClients;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.KafkaSinkBuilder;

/**
 * The one way this job writes to Kafka: transactionally, one transaction per checkpoint, so that a
 * {@code read_committed} reader sees each record once, however often the job restores. Records
 * become visible when the checkpoint after them completes.
 */
public final class ExactlyOnceKafkaSink {

  /** Below the broker's default transaction.max.timeout.ms (15 min); Flink's default is 1 h. */
  public static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

  private ExactlyOnceKafkaSink() {}

  /**
   * A sink builder with the delivery guarantee, the transactional id prefix and the timeout set.
   * The prefix must stay the same across restores of one job (a restored writer aborts the
   * transactions its failed attempt left open under it) and differ between jobs on one cluster.
   */
  public static <T> KafkaSinkBuilder<T> builder(KafkaClients kafka, String transactionalIdPrefix) {
    return KafkaSink.<T>builder()
        .setKafkaProducerConfig(kafka.build())
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        .setProperty("transaction.timeout.ms", Long.toString(TRANSACTION_TIMEOUT.toMillis()));
  }

  /** The transactional id prefix of one of a job's sinks: {@code tlalign-<sink>-<group id>}. */
  public static String transactionalIdPrefix(String sink, String groupId) {
    return "tlalign-" + sink + "-" + groupId;
  }
}
