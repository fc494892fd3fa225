package io.tlalign.schemas.codec;

import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/** Fully populated records of every type, and test schemas from resources. */
final class TestRecords {

  static final Instant TIME = Instant.parse("2024-05-06T07:08:09.123Z");

  private TestRecords() {}

  static LabeledImage image() {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("origin", "train-images-idx3-ubyte#17");
    attributes.put("epoch", "3");
    attributes.put("note", "ünïcödé ✓");
    return LabeledImage.newBuilder()
        .setId("fmnist-train-000017")
        .setSource("fashion-mnist/train")
        .setLabel(7)
        .setHeight(2)
        .setWidth(3)
        .setChannels(1)
        .setEncoding(ImageEncoding.RAW_U8)
        .setPixels(ByteBuffer.wrap(new byte[] {0, 1, 127, (byte) 128, (byte) 254, (byte) 255}))
        .setEventTime(TIME)
        .setAttributes(attributes)
        .build();
  }

  static LabeledImage imageWithoutAttributesAndPixels() {
    return LabeledImage.newBuilder(image())
        .setId("empty-0")
        .setEncoding(ImageEncoding.PNG)
        .setPixels(ByteBuffer.wrap(new byte[0]))
        .setAttributes(null)
        .build();
  }

  static LabeledImage imageWithEmptyAttributes() {
    return LabeledImage.newBuilder(image())
        .setEncoding(ImageEncoding.JPEG)
        .setAttributes(Map.of())
        .build();
  }

  static TrainingMetric metric() {
    return TrainingMetric.newBuilder()
        .setStep(12_345L)
        .setLoss(0.6931)
        .setAccuracy(0.875)
        .setLearningRate(3e-4)
        .setImagesPerSecond(812.5)
        .setMeanLambda(0.42)
        .setMeanAlignedShareA(0.47)
        .setTime(TIME)
        .build();
  }

  static TrainingMetric metricWithoutAccuracy() {
    return TrainingMetric.newBuilder(metric()).setAccuracy(null).build();
  }

  static ModelRef modelRef() {
    return ModelRef.newBuilder()
        .setUri("s3://models/tlalign/vit-tiny/step-12345.bin")
        .setStep(12_345L)
        .setCheckpointId(42L)
        .setSha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        .setFormat("tlalign-state/1")
        .setTime(TIME)
        .build();
  }

  static DeadLetter deadLetter() {
    return DeadLetter.newBuilder()
        .setOriginalKey(ByteBuffer.wrap(new byte[] {'k', '1'}))
        .setOriginalValue(ByteBuffer.wrap(new byte[] {(byte) 0xC3, 0x01, 9}))
        .setTopic("images.train")
        .setPartition(3)
        .setOffset(1_000_000_007L)
        .setReasonCode("BAD_MARKER")
        .setMessage("not Avro single-object encoding")
        .setTime(TIME)
        .build();
  }

  static DeadLetter deadLetterWithoutKeyAndValue() {
    return DeadLetter.newBuilder(deadLetter()).setOriginalKey(null).setOriginalValue(null).build();
  }

  /** One full record of each of the four types, with the codec that writes it. */
  static List<Sample<?>> oneOfEachType() {
    return List.of(
        new Sample<>(AvroRecordCodec.forLabeledImage(), image()),
        new Sample<>(AvroRecordCodec.forTrainingMetric(), metric()),
        new Sample<>(AvroRecordCodec.forModelRef(), modelRef()),
        new Sample<>(AvroRecordCodec.forDeadLetter(), deadLetter()));
  }

  /** A record and its codec, typed together so tests can encode without casts. */
  record Sample<T extends SpecificRecord>(AvroRecordCodec<T> codec, T record) {
    byte[] encoded() {
      return codec.encode(record);
    }

    @Override
    public String toString() {
      return record.getSchema().getName();
    }
  }

  static Schema schemaResource(String name) {
    try (InputStream in =
        Objects.requireNonNull(
            TestRecords.class.getResourceAsStream(name), () -> "missing test resource " + name)) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
