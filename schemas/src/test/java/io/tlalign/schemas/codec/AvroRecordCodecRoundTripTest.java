package io.tlalign.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroRecordCodecRoundTripTest {

  static List<TestRecords.Sample<?>> samples() {
    return TestRecords.oneOfEachType();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyRecordTypeComesBackEqualWithAllFieldsSet(TestRecords.Sample<?> sample)
      throws Exception {
    assertRoundTrip(sample);
  }

  @Test
  void anImageWithoutAttributesAndWithEmptyPixelsComesBackEqual() throws Exception {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    LabeledImage image = TestRecords.imageWithoutAttributesAndPixels();

    LabeledImage decoded = codec.decode(codec.encode(image));

    assertThat(decoded).isEqualTo(image);
    assertThat(decoded.getAttributes()).isNull();
    assertThat(decoded.getPixels().remaining()).isZero();
  }

  @Test
  void anEmptyAttributesMapStaysEmptyRatherThanBecomingNull() throws Exception {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();

    LabeledImage decoded = codec.decode(codec.encode(TestRecords.imageWithEmptyAttributes()));

    assertThat(decoded.getAttributes()).isNotNull().isEmpty();
  }

  @Test
  void aNonEmptyAttributesMapAndTheEventTimeSurviveExactly() throws Exception {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    LabeledImage image = TestRecords.image();

    LabeledImage decoded = codec.decode(codec.encode(image));

    assertThat(decoded.getAttributes()).containsExactlyInAnyOrderEntriesOf(image.getAttributes());
    assertThat(decoded.getEventTime()).isEqualTo(TestRecords.TIME);
    assertThat(decoded.getPixels()).isEqualTo(image.getPixels());
  }

  @Test
  void absentOptionalFieldsOfMetricsAndDeadLettersComeBackNull() throws Exception {
    AvroRecordCodec<TrainingMetric> metrics = AvroRecordCodec.forTrainingMetric();
    AvroRecordCodec<DeadLetter> deadLetters = AvroRecordCodec.forDeadLetter();

    TrainingMetric metric = metrics.decode(metrics.encode(TestRecords.metricWithoutAccuracy()));
    DeadLetter letter =
        deadLetters.decode(deadLetters.encode(TestRecords.deadLetterWithoutKeyAndValue()));

    assertThat(metric).isEqualTo(TestRecords.metricWithoutAccuracy());
    assertThat(metric.getAccuracy()).isNull();
    assertThat(letter).isEqualTo(TestRecords.deadLetterWithoutKeyAndValue());
    assertThat(letter.getOriginalKey()).isNull();
    assertThat(letter.getOriginalValue()).isNull();
  }

  @Test
  void eachDecodeReturnsAFreshRecord() throws Exception {
    AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
    byte[] bytes = codec.encode(TestRecords.modelRef());

    assertThat(codec.decode(bytes)).isNotSameAs(codec.decode(bytes));
  }

  @Test
  void aGenericCodecRoundTripsAGenericRecordOfTheSameSchema() throws Exception {
    AvroRecordCodec<GenericRecord> codec =
        AvroRecordCodec.generic(ModelRef.getClassSchema(), SchemaStore.empty());
    GenericRecord record = new GenericData.Record(ModelRef.getClassSchema());
    ModelRef ref = TestRecords.modelRef();
    record.put("uri", ref.getUri());
    record.put("step", ref.getStep());
    record.put("checkpointId", ref.getCheckpointId());
    record.put("sha256", ref.getSha256());
    record.put("format", ref.getFormat());
    record.put("time", ref.getTime().toEpochMilli());

    byte[] bytes = codec.encode(record);

    assertThat(bytes).isEqualTo(AvroRecordCodec.forModelRef().encode(ref));
    assertThat(codec.decode(bytes).get("time")).isEqualTo(ref.getTime().toEpochMilli());
  }

  @Test
  void aSharedCodecDecodesAndEncodesCorrectlyFromManyThreads() throws Exception {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    LabeledImage image = TestRecords.image();
    byte[] bytes = codec.encode(image);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            pool.submit(
                () -> {
                  int ok = 0;
                  for (int i = 0; i < 500; i++) {
                    if (codec.decode(bytes).equals(image)
                        && java.util.Arrays.equals(codec.encode(image), bytes)) {
                      ok++;
                    }
                  }
                  return ok;
                }));
      }
      for (Future<Integer> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isEqualTo(500);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void encodingARecordWithARequiredFieldMissingThrowsRecordEncodeException() {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();

    assertThatThrownBy(() -> codec.encode(new LabeledImage()))
        .isInstanceOf(RecordEncodeException.class)
        .hasMessageContaining("io.tlalign.schemas.LabeledImage");
    assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(RecordEncodeException.class);
  }

  @Test
  void aGenericCodecRefusesToEncodeARecordOfAnotherSchema() {
    AvroRecordCodec<GenericRecord> codec =
        AvroRecordCodec.generic(ModelRef.getClassSchema(), SchemaStore.empty());
    GenericRecord other = new GenericData.Record(DeadLetter.getClassSchema());

    assertThatThrownBy(() -> codec.encode(other))
        .isInstanceOf(RecordEncodeException.class)
        .hasMessageContaining("DeadLetter")
        .hasMessageContaining("ModelRef");
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> void assertRoundTrip(
      TestRecords.Sample<T> sample) throws RecordDecodeException {
    T decoded = sample.codec().decode(sample.encoded());

    assertThat(decoded).isEqualTo(sample.record());
    assertThat(decoded).isNotSameAs(sample.record());
  }
}
