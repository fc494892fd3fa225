package io.tlalign.local;

import io.tlalign.job.settings.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads whole topics of a local broker, without a consumer group (nothing is committed), {@code
 * read_committed}: the job writes its metrics and dead letters transactionally, so a record is seen
 * once, after the checkpoint that commits it, and never a record of an aborted attempt.
 */
public final class TopicReader {

  private TopicReader() {}

  /** Every record of {@code topic} up to its end offsets when called (at most 30 s of polling). */
  public static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaClients kafka, String topic) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
      List<TopicPartition> parts = partitions(c, topic);
      c.assign(parts);
      c.seekToBeginning(parts);
      var end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        boolean done = true;
        for (TopicPartition tp : parts) {
          if (c.position(tp) < end.get(tp)) {
            done = false;
          }
        }
        if (done) {
          break;
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  /** The committed end of each partition of {@code topic} now: where a later count starts. */
  public static Map<TopicPartition, Long> endOffsets(KafkaClients kafka, String topic) {
    try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
      return Map.copyOf(c.endOffsets(partitions(c, topic)));
    }
  }

  /**
   * The committed records of {@code topic} from {@code from} (as {@link #endOffsets} gave it) to
   * the end now. Counted by reading them: transaction markers take offsets too, so a difference of
   * offsets would overcount.
   */
  public static long countSince(KafkaClients kafka, String topic, Map<TopicPartition, Long> from) {
    long count = 0;
    try (KafkaConsumer<byte[], byte[]> c = consumer(kafka)) {
      List<TopicPartition> parts = partitions(c, topic);
      c.assign(parts);
      for (TopicPartition tp : parts) {
        c.seek(tp, from.getOrDefault(tp, 0L));
      }
      var end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline
          && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        count += c.poll(Duration.ofMillis(200)).count();
      }
    }
    return count;
  }

  /** A byte-array consumer that commits nothing and reads committed records only. */
  public static KafkaConsumer<byte[], byte[]> consumer(KafkaClients kafka) {
    Properties p =
        kafka.build(
            Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"));
    return new KafkaConsumer<>(p);
  }

  /** All partitions of {@code topic}. */
  public static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, String topic) {
    List<TopicPartition> parts = new ArrayList<>();
    for (PartitionInfo info : c.partitionsFor(topic, Duration.ofSeconds(30))) {
      parts.add(new TopicPartition(info.topic(), info.partition()));
    }
    return parts;
  }
}
