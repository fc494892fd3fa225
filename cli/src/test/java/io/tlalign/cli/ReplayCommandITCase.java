package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.FashionMnistSubset;
import io.tlalign.datasets.IdxDataset;
import io.tlalign.datasets.ReplayOrder;
import io.tlalign.datasets.Split;
import io.tlalign.kafka.local.LocalKafkaBroker;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tlalign replay} of real Fashion-MNIST (the tests' subset, {@link FashionMnistSubset}) into
 * a real local broker, read back.
 */
class ReplayCommandITCase extends CommandLineTest {

  @TempDir static Path tmp;

  private static LocalKafkaBroker kafka;
  private final AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();

  @BeforeAll
  static void startBroker() {
    kafka = LocalKafkaBroker.builder().dataDir(tmp).start();
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void replays500ImagesThatReadBackAsTheSourceImages() throws Exception {
    String topic = "replay-it-" + UUID.randomUUID();
    int code =
        run(
            "replay",
            "--dataset",
            "fashion-mnist",
            "--path",
            FashionMnistSubset.folder().toString(),
            "--topic",
            topic,
            "--limit",
            "500",
            "--shuffle-seed",
            "11",
            "--bootstrap-servers",
            kafka.bootstrapServers());

    assertThat(code).as("stderr: %s", err).isZero();
    assertThat(out.toString().trim())
        .matches(
            "replay: records=500 failed=0 topic=" + topic + " elapsed=\\d+\\.\\ds rate=\\d+/s");

    IdxDataset source = FashionMnist.open(FashionMnistSubset.folder(), Split.TRAIN);
    List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 500);
    assertThat(records).hasSize(500);
    int[] order = ReplayOrder.permutation(source.size(), OptionalLong.of(11), 0);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < records.size(); i++) {
      ConsumerRecord<byte[], byte[]> r = records.get(i);
      LabeledImage img = codec.decode(r.value());
      int index = order[i];
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(img.getId());
      assertThat(img.getId()).isEqualTo(source.id(index));
      assertThat(img.getSource()).isEqualTo("fashion-mnist/train");
      assertThat(img.getLabel()).isEqualTo(source.label(index));
      assertThat(img.getEncoding()).isEqualTo(ImageEncoding.RAW_U8);
      assertThat(img.getHeight() * img.getWidth() * img.getChannels()).isEqualTo(784);
      assertThat(bytes(img.getPixels())).isEqualTo(source.image(index).pixels());
      assertThat(img.getAttributes()).containsEntry("epoch", "0");
      ids.add(img.getId());
    }
    assertThat(ids).hasSize(500);

    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      var config = admin.describeConfigs(List.of(res)).all().get().get(res);
      assertThat(Integer.parseInt(config.get("max.message.bytes").value()))
          .isGreaterThanOrEqualTo(16 * 1024 * 1024);
      assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions())
          .hasSize(1);
    }
  }

  @Test
  void anIdxFolderInFileOrderGoesIntoAnExistingTopicAtALimitedRate() throws Exception {
    String topic = "replay-it-" + UUID.randomUUID();
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    String[] args = {
      "replay",
      "--dataset",
      "idx",
      "--path",
      FashionMnistSubset.folder().toString(),
      "--split",
      "test",
      "--topic",
      topic,
      "--epochs",
      "2",
      "--limit",
      "30",
      "--shuffle-seed",
      "none",
      "--rate",
      "200",
      "--bootstrap-servers",
      kafka.bootstrapServers()
    };
    assertThat(run(args)).as("stderr: %s", err).isZero();
    assertThat(out.toString()).contains("records=30 failed=0");

    List<String> ids = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic, 30)) {
      ids.add(codec.decode(r.value()).getId());
    }
    assertThat(ids).hasSize(30);
    assertThat(ids.get(0)).isEqualTo("fashion-mnist/test/000000");
    assertThat(ids.get(29)).isEqualTo("fashion-mnist/test/000029");
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      // Nothing more than expected may arrive.
      consumer.poll(Duration.ofMillis(300)).forEach(records::add);
    }
    return records;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }
}
