package io.tlalign.kafka.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaBrokerITCase {

  @TempDir Path tmp;

  @Test
  void startsABrokerThatCarriesRecordsAndLeavesNothingBehindWhenClosed() throws Exception {
    LocalKafkaBroker broker = LocalKafkaBroker.builder().dataDir(tmp).start();
    long pid = broker.pid();
    int port = broker.port();
    Path dir = broker.directory();
    System.out.printf("local Kafka broker started in %d ms%n", broker.startupTime().toMillis());
    try {
      assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
      assertThat(broker.isRunning()).isTrue();
      assertThat(dir).startsWith(tmp);
      String topic = "broker-it-" + UUID.randomUUID();
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        assertThat(admin.listTopics().names().get()).contains(topic);
      }
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  broker.bootstrapServers(),
                  ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                  true,
                  ProducerConfig.ACKS_CONFIG,
                  "all"),
              new StringSerializer(),
              new StringSerializer())) {
        for (int i = 0; i < 5; i++) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
        }
      }
      List<String> seen = new ArrayList<>();
      try (KafkaConsumer<String, String> consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  broker.bootstrapServers(),
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                  "earliest"),
              new StringDeserializer(),
              new StringDeserializer())) {
        consumer.assign(Set.of(new TopicPartition(topic, 0)));
        consumer.seekToBeginning(Set.of(new TopicPartition(topic, 0)));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (seen.size() < 5 && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            seen.add(r.key() + "=" + r.value());
          }
        }
      }
      assertThat(seen).containsExactly("k0=v0", "k1=v1", "k2=v2", "k3=v3", "k4=v4");
      assertThat(Files.readString(broker.logFile(), StandardCharsets.UTF_8))
          .contains("Kafka Server started");
    } finally {
      broker.close();
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(broker.isRunning()).isFalse();
    assertThat(dir).doesNotExist();
    assertThat(portIsFree(port)).isTrue();
    broker.close(); // a second close is harmless
  }

  @Test
  void aBrokerThatCannotStartFailsWithTheTailOfItsLog() {
    assertThatThrownBy(
            () ->
                LocalKafkaBroker.builder()
                    .dataDir(tmp)
                    .brokerProperty("num.partitions", "many")
                    .startupTimeout(Duration.ofSeconds(30))
                    .start())
        .isInstanceOf(KafkaBrokerStartException.class)
        .hasMessageContaining("storage format failed")
        .hasMessageContaining("--- last lines of")
        .hasMessageContaining("num.partitions");
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void aFolderWithoutKafkaJarsNamesTheBuildCommand() {
    Path nowhere = tmp.resolve("no-kafka-here");
    assertThatThrownBy(() -> LocalKafkaBroker.builder().kafkaLib(nowhere).start())
        .isInstanceOf(KafkaBrokerStartException.class)
        .hasMessageContaining(nowhere.toString())
        .hasMessageContaining("mvn -pl kafka-local package");
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
