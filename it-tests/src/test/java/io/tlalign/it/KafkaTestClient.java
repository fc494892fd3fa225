package io.tlalign.it;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain producer and consumer helpers for the tests, on the job's own kafka-clients. */
final class KafkaTestClient implements AutoCloseable {

  private final String bootstrap;
  private final Map<String, String> security;
  private final KafkaProducer<byte[], byte[]> producer;

  KafkaTestClient(String bootstrap) {
    this(bootstrap, Map.of());
  }

  /** With client properties such as a secured broker's SASL_SSL settings. */
  KafkaTestClient(String bootstrap, Map<String, String> security) {
    this.bootstrap = bootstrap;
    this.security = Map.copyOf(security);
    Properties p = new Properties();
    p.putAll(security);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  void send(String topic, String key, byte[] value) throws Exception {
    producer
        .send(
            new ProducerRecord<>(
                topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value))
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * Every committed record of partition 0 of {@code topic} from the beginning to its current end,
   * as a {@code read_committed} reader of the job's transactional sinks sees them.
   */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return readAll(topic, "read_committed");
  }

  /**
   * Every record of partition 0 of {@code topic}, including those of aborted transactions: what a
   * failed attempt wrote before a restore threw it away.
   */
  List<ConsumerRecord<byte[], byte[]>> readAllUncommitted(String topic) {
    return readAll(topic, "read_uncommitted");
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, String isolationLevel) {
    Properties p = new Properties();
    p.putAll(security);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }

  @Override
  public void close() {
    producer.close();
  }
}
