package io.tlalign.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class DatasetReplayerTest {

  private final AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, new ByteArraySerializer(), new ByteArraySerializer());
  private final List<String> events = new ArrayList<>();
  private final ProgressListener listener =
      new ProgressListener() {
        @Override
        public void onStart(String topic, long total) {
          events.add("start " + topic + " " + total);
        }

        @Override
        public void onSkipped(String imageId, String reason) {
          events.add("skipped " + imageId + ": " + reason);
        }

        @Override
        public void onFinish(ReplaySummary summary) {
          events.add("finish " + summary.records() + " " + summary.failed());
        }
      };

  private ReplaySpec.Builder spec(ImageDataset data) {
    return ReplaySpec.builder()
        .setDataset(data)
        .setTopic("images.test")
        .optClock(Clock.fixed(Instant.ofEpochMilli(1234), ZoneOffset.UTC));
  }

  private List<LabeledImage> sent() throws Exception {
    List<LabeledImage> out = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : producer.history()) {
      LabeledImage img = codec.decode(r.value());
      assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(img.getId());
      assertThat(r.topic()).isEqualTo("images.test");
      out.add(img);
    }
    return out;
  }

  @Test
  void everyEpochSendsEveryImageOnceInItsSeededOrder() throws Exception {
    ReplaySummary s =
        DatasetReplayer.replay(
            spec(new FakeDataset(7, 2, Set.of())).optEpochs(3).optShuffleSeed(5).build(),
            producer,
            listener);

    List<LabeledImage> sent = sent();
    assertThat(s.records()).isEqualTo(21);
    assertThat(s.failed()).isZero();
    assertThat(sent).hasSize(21);
    for (int epoch = 0; epoch < 3; epoch++) {
      List<String> expected = new ArrayList<>();
      for (int i : ReplayOrder.permutation(7, OptionalLong.of(5), epoch)) {
        expected.add(FakeDataset.id(i));
      }
      List<LabeledImage> part = sent.subList(epoch * 7, epoch * 7 + 7);
      assertThat(part).extracting(LabeledImage::getId).containsExactlyElementsOf(expected);
      String e = Integer.toString(epoch);
      assertThat(part).allSatisfy(img -> assertThat(img.getAttributes()).containsEntry("epoch", e));
    }
    LabeledImage first = sent.get(0);
    int index = Integer.parseInt(first.getAttributes().get("index"));
    assertThat(first.getSource()).isEqualTo("fake/train");
    assertThat(first.getLabel()).isEqualTo(index % 10);
    assertThat(first.getEncoding()).isEqualTo(ImageEncoding.RAW_U8);
    assertThat(first.getHeight()).isEqualTo(2);
    assertThat(first.getChannels()).isEqualTo(1);
    assertThat(first.getPixels().remaining()).isEqualTo(4);
    assertThat(first.getPixels().get(0)).isEqualTo((byte) index);
    assertThat(first.getEventTime()).isEqualTo(Instant.ofEpochMilli(1234));
    assertThat(producer.flushed()).isTrue();
    assertThat(events).containsExactly("start images.test 21", "finish 21 0");
  }

  @Test
  void theLimitCapsTheTotalOverAllEpochs() throws Exception {
    ReplaySummary s =
        DatasetReplayer.replay(
            spec(new FakeDataset(7, 2, Set.of())).optEpochs(2).optLimit(10).optFileOrder().build(),
            producer,
            listener);

    assertThat(s.records()).isEqualTo(10);
    assertThat(sent())
        .extracting(LabeledImage::getId)
        .containsExactly(
            FakeDataset.id(0),
            FakeDataset.id(1),
            FakeDataset.id(2),
            FakeDataset.id(3),
            FakeDataset.id(4),
            FakeDataset.id(5),
            FakeDataset.id(6),
            FakeDataset.id(0),
            FakeDataset.id(1),
            FakeDataset.id(2));
    assertThat(events.get(0)).isEqualTo("start images.test 10");
  }

  @Test
  void anUnreadableImageIsReportedCountedAndSkipped() throws Exception {
    ReplaySummary s =
        DatasetReplayer.replay(
            spec(new FakeDataset(5, 2, Set.of(3))).optFileOrder().build(), producer, listener);

    assertThat(s.records()).isEqualTo(4);
    assertThat(s.failed()).isEqualTo(1);
    assertThat(sent()).extracting(LabeledImage::getId).doesNotContain(FakeDataset.id(3));
    assertThat(events)
        .contains("skipped " + FakeDataset.id(3) + ": cannot decode image 3", "finish 4 1");
  }

  @Test
  void anImageOverTheRecordLimitIsCountedAsFailed() throws Exception {
    ReplaySummary s =
        DatasetReplayer.replay(
            spec(new FakeDataset(2, 40, Set.of())).optMaxRecordBytes(1024).build(),
            producer,
            listener);

    assertThat(s.records()).isZero();
    assertThat(s.failed()).isEqualTo(2);
    assertThat(events.get(1)).contains("over the limit of 1024").contains("resize");
  }

  @Test
  void aRecordTheBrokerRefusesStopsTheReplayLoudly() {
    MockProducer<byte[], byte[]> failing =
        new MockProducer<>(false, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized Future<RecordMetadata> send(
              ProducerRecord<byte[], byte[]> record, Callback callback) {
            Future<RecordMetadata> f = super.send(record, callback);
            if (history().size() == 3) {
              errorNext(new RecordTooLargeException("too big for the broker"));
            } else {
              completeNext();
            }
            return f;
          }
        };

    assertThatThrownBy(
            () ->
                DatasetReplayer.replay(
                    spec(new FakeDataset(10, 2, Set.of())).build(), failing, listener))
        .isInstanceOf(ReplayFailedException.class)
        .hasMessageContaining("sending to topic images.test failed after 2 acknowledged records")
        .hasMessageContaining("RecordTooLargeException: too big for the broker");
    assertThat(failing.history()).hasSizeLessThanOrEqualTo(4);
  }

  @Test
  void theSummaryLineHasEveryFigure() {
    ReplaySummary s =
        new ReplaySummary(60_000, 2, "images.train", java.time.Duration.ofMillis(12_300));
    assertThat(s.line())
        .isEqualTo("replay: records=60000 failed=2 topic=images.train elapsed=12.3s rate=4878/s");
  }

  @Test
  void theProducerIsIdempotentAndWaitsForAllReplicas() {
    var c =
        DatasetReplayer.producerConfig(
            "127.0.0.1:9092", spec(new FakeDataset(1, 1, Set.of())).build());
    assertThat(c)
        .containsEntry("enable.idempotence", true)
        .containsEntry("acks", "all")
        .containsEntry("max.request.size", ReplaySpec.DEFAULT_MAX_RECORD_BYTES + 64 * 1024);
  }

  @Test
  void badSettingsAreRefusedByName() {
    FakeDataset d = new FakeDataset(1, 1, Set.of());
    assertThatThrownBy(() -> spec(d).optEpochs(0).build()).hasMessage("epochs must be >= 1, got 0");
    assertThatThrownBy(() -> spec(d).optLimit(-1).build()).hasMessage("limit must be >= 1, got -1");
    assertThatThrownBy(() -> spec(d).optRate(-2).build()).hasMessageContaining("got -2.0");
    assertThatThrownBy(() -> spec(d).setTopic("bad topic").build())
        .hasMessageContaining("'bad topic' is not a legal Kafka topic name");
    assertThatThrownBy(() -> ReplaySpec.builder().setTopic("t").build())
        .hasMessageContaining("setDataset");
  }
}
