package io.tlalign.local.bench;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.sync.CorruptSyncDataException;
import io.tlalign.job.sync.SyncChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a run left on its sync topic, read back after it ended ({@code read_committed}, as the
 * replicas read it): the bytes of all committed messages and the distinct rounds among them, the
 * final one included.
 *
 * @param partitions the topic's partitions
 * @param bytes the committed messages' value bytes, all partitions together
 * @param rounds the distinct rounds of the messages that decode
 */
public record SyncTopicTally(int partitions, long bytes, int rounds) {

  /**
   * Reads {@code topic} from its start to its last stable offsets.
   *
   * @throws IllegalStateException when it cannot be read to its end within a minute
   */
  public static SyncTopicTally read(String bootstrap, String topic) {
    Properties p =
        KafkaClients.of(bootstrap)
            .build(
                Map.of(
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"));
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long bytes = 0;
      Set<Long> rounds = new HashSet<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!atEnd(c, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read sync topic " + topic + " to its end within 60 s");
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          bytes += r.value().length;
          try {
            rounds.add(SyncChunk.decode(r.value()).round());
          } catch (CorruptSyncDataException e) {
            // counted in the bytes; a damaged message names no round for certain
          }
        }
      }
      return new SyncTopicTally(parts.size(), bytes, rounds.size());
    }
  }

  private static boolean atEnd(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (c.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
