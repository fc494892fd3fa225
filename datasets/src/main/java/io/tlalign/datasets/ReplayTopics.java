package io.tlalign.datasets;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates a replay's topic when it is missing; an existing topic is left as it is. */
public final class ReplayTopics {

  /** Headroom over the largest record for the batch and record headers. */
  static final int BATCH_OVERHEAD_BYTES = 64 * 1024;

  private ReplayTopics() {}

  /** The topic's {@code max.message.bytes} (and the producer's max.request.size) for a spec. */
  public static int maxMessageBytes(ReplaySpec spec) {
    return spec.maxRecordBytes() + BATCH_OVERHEAD_BYTES;
  }

  /**
   * Creates {@code spec.topic()} with the spec's partitions and replication factor and a {@code
   * max.message.bytes} that fits its largest record.
   *
   * @return whether this call created the topic
   * @throws ReplayFailedException when the cluster refuses or does not answer in {@code timeoutMs}
   */
  public static boolean ensure(Admin admin, ReplaySpec spec, long timeoutMs)
      throws InterruptedException {
    NewTopic topic =
        new NewTopic(spec.topic(), spec.partitions(), spec.replicationFactor())
            .configs(
                Map.of(
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes(spec))));
    try {
      admin.createTopics(List.of(topic)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false;
      }
      if (e.getCause() instanceof TopicAuthorizationException) {
        // A secured cluster whose topics are managed elsewhere (Strimzi KafkaTopics): a user
        // without CREATE may still write to an existing topic.
        if (exists(admin, spec.topic(), timeoutMs)) {
          return false;
        }
        throw new ReplayFailedException(
            "cannot create topic "
                + spec.topic()
                + ": the Kafka user lacks CREATE on it (and DESCRIBE, or it does not exist);"
                + " create the topic beforehand or grant CREATE and WRITE on topic "
                + spec.topic(),
            e.getCause());
      }
      throw new ReplayFailedException(
          "cannot create topic " + spec.topic() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new ReplayFailedException(
          "cannot create topic "
              + spec.topic()
              + ": no answer from Kafka within "
              + timeoutMs / 1000
              + " s; is a broker running at the bootstrap servers?",
          e);
    }
  }

  private static boolean exists(Admin admin, String topic, long timeoutMs)
      throws InterruptedException {
    try {
      admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }
}
