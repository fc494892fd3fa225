package io.tlalign.it;

import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
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
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain producer and consumer helpers for the tests, on the job's own kafka-clients. */
final class KafkaTestClient implements AutoCloseable {

  private final String bootstrap;
  private final Map<String, String> security;
  private KafkaProducer<byte[], byte[]> producer;

  KafkaTestClient(String bootstrap) {
    this(bootstrap, Map.of());
  }

  /** With client properties such as a secured broker's SASL_SSL settings. */
  KafkaTestClient(String bootstrap, Map<String, String> security) {
    this.bootstrap = bootstrap;
    this.security = Map.copyOf(security);
  }

  void send(String topic, String key, byte[] value) throws Exception {
    send(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
  }

  /** Sends and waits for the broker's acknowledgement; where the record went. */
  RecordMetadata send(String topic, byte[] key, byte[] value) throws Exception {
    return producer().send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
  }

  /**
   * Sends every image of {@code images} in order as a raw Fashion-MNIST record ({@link
   * FashionMnistFiles#record}) with id and key {@code idPrefix + i}.
   */
  void sendImages(String topic, String idPrefix, FashionMnistFiles.Images images) throws Exception {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    for (int i = 0; i < images.labels().length; i++) {
      String id = idPrefix + i;
      send(
          topic,
          id,
          codec.encode(FashionMnistFiles.record(id, images.labels()[i], images.pixels()[i])));
    }
  }

  /** The producer, made at the first send: a client that only reads never starts one. */
  private KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      Properties p = new Properties();
      p.putAll(security);
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 << 20);
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  /** {@link #readAll(String)}, each value decoded with {@code codec}. */
  <T> List<T> readAll(String topic, AvroRecordCodec<T> codec) throws RecordDecodeException {
    List<T> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
      out.add(codec.decode(r.value()));
    }
    return out;
  }

  /**
   * Every committed record of {@code topic} from the beginning to its current end, partition by
   * partition, as a {@code read_committed} reader of the job's transactional sinks sees them.
   */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
    return readAll(topic, "read_committed");
  }

  /**
   * Every record of {@code topic}, including those of aborted transactions: what a failed attempt
   * wrote before a restore threw it away.
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
      List<TopicPartition> partitions = new ArrayList<>();
      c.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      partitions.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
      for (TopicPartition tp : partitions) {
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        long end = c.endOffsets(List.of(tp)).get(tp);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (c.position(tp) < end && System.nanoTime() < deadline) {
          c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close();
    }
  }
}
