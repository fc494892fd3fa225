package io.tlalign.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

  private static final Schema OLD_WRITER = TestRecords.schemaResource("LabeledImage-v1.avsc");
  private static final Schema NEXT_READER =
      TestRecords.schemaResource("LabeledImage-next-reader.avsc");

  /** Bytes as a producer still on the old schema (no attributes field) writes them. */
  private static byte[] oldProducerBytes() {
    LabeledImage image = TestRecords.image();
    GenericRecord old = new GenericData.Record(OLD_WRITER);
    old.put("id", image.getId());
    old.put("source", image.getSource());
    old.put("label", image.getLabel());
    old.put("height", image.getHeight());
    old.put("width", image.getWidth());
    old.put("channels", image.getChannels());
    old.put(
        "encoding",
        new GenericData.EnumSymbol(
            OLD_WRITER.getField("encoding").schema(), image.getEncoding().name()));
    old.put("pixels", image.getPixels());
    old.put("eventTime", image.getEventTime().toEpochMilli());
    return AvroRecordCodec.generic(OLD_WRITER, SchemaStore.empty()).encode(old);
  }

  @Test
  void metricsWrittenBeforeThePerImageSharesStillDecode() throws Exception {
    Schema v1;
    try (var in = SchemaStore.class.getResourceAsStream(SchemaStore.HISTORY.get(0))) {
      v1 = new Schema.Parser().parse(in);
    }
    assertThat(v1.getField("alignedSharesA")).isNull();
    assertThat(SchemaStore.fingerprint(v1))
        .isNotEqualTo(SchemaStore.fingerprint(TrainingMetric.getClassSchema()));
    TrainingMetric m = TestRecords.metric();
    GenericRecord old = new GenericData.Record(v1);
    for (Schema.Field f : v1.getFields()) {
      Object v = m.get(f.name());
      old.put(f.name(), v instanceof java.time.Instant t ? t.toEpochMilli() : v);
    }
    byte[] bytes = AvroRecordCodec.generic(v1, SchemaStore.empty()).encode(old);

    TrainingMetric decoded = AvroRecordCodec.forTrainingMetric().decode(bytes);

    assertThat(decoded.getAlignedSharesA()).isNull();
    assertThat(decoded.getStep()).isEqualTo(m.getStep());
    assertThat(decoded.getMeanAlignedShareA()).isEqualTo(m.getMeanAlignedShareA());
    assertThat(decoded.getTime()).isEqualTo(m.getTime());
  }

  /** Bytes of {@code current} as a writer on the historic schema {@code resource} writes them. */
  private static byte[] asHistoricWriter(
      String resource, org.apache.avro.specific.SpecificRecord current) throws Exception {
    Schema old;
    try (var in = SchemaStore.class.getResourceAsStream(resource)) {
      old = new Schema.Parser().parse(in);
    }
    GenericRecord record = new GenericData.Record(old);
    for (Schema.Field f : old.getFields()) {
      Object v = current.get(current.getSchema().getField(f.name()).pos());
      record.put(f.name(), v instanceof java.time.Instant t ? t.toEpochMilli() : v);
    }
    return AvroRecordCodec.generic(old, SchemaStore.empty()).encode(record);
  }

  @Test
  void metricsWrittenBeforeTheReplicaFieldsDecodeWithThemNull() throws Exception {
    String v2 = "/io/tlalign/schemas/history/TrainingMetric-v2.avsc";
    assertThat(SchemaStore.HISTORY).contains(v2);
    TrainingMetric m =
        TrainingMetric.newBuilder(TestRecords.metric())
            .setAlignedSharesA(java.util.List.of(0.25f, 0.75f))
            .build();

    TrainingMetric decoded = AvroRecordCodec.forTrainingMetric().decode(asHistoricWriter(v2, m));

    assertThat(decoded.getReplica()).isNull();
    assertThat(decoded.getReplicas()).isNull();
    assertThat(decoded.getRound()).isNull();
    assertThat(decoded.getRoundLatencyMs()).isNull();
    assertThat(decoded.getAlignedSharesA()).containsExactly(0.25f, 0.75f);
    assertThat(decoded.getLoss()).isEqualTo(m.getLoss());
  }

  @Test
  void aReplicasMetricKeepsItsReplicaRoundAndLatency() throws Exception {
    TrainingMetric m =
        TrainingMetric.newBuilder(TestRecords.metric())
            .setReplica(1)
            .setReplicas(2)
            .setRound(17L)
            .setRoundLatencyMs(1250.0)
            .build();

    TrainingMetric decoded =
        AvroRecordCodec.forTrainingMetric().decode(AvroRecordCodec.forTrainingMetric().encode(m));

    assertThat(decoded).isEqualTo(m);
    assertThat(decoded.getReplica()).isEqualTo(1);
    assertThat(decoded.getRound()).isEqualTo(17L);
  }

  @Test
  void modelRefsWrittenBeforeTheRoundDecodeWithItNullAndNewOnesKeepIt() throws Exception {
    String v1 = "/io/tlalign/schemas/history/ModelRef-v1.avsc";
    assertThat(SchemaStore.HISTORY).contains(v1);
    io.tlalign.schemas.ModelRef ref = TestRecords.modelRef();

    io.tlalign.schemas.ModelRef old =
        AvroRecordCodec.forModelRef().decode(asHistoricWriter(v1, ref));
    io.tlalign.schemas.ModelRef consensus =
        io.tlalign.schemas.ModelRef.newBuilder(ref).setRound(140L).build();
    io.tlalign.schemas.ModelRef back =
        AvroRecordCodec.forModelRef().decode(AvroRecordCodec.forModelRef().encode(consensus));

    assertThat(old.getRound()).isNull();
    assertThat(old.getSha256()).isEqualTo(ref.getSha256());
    assertThat(back.getRound()).isEqualTo(140L);
  }

  @Test
  void theOldSchemaReallyIsADifferentWriter() {
    assertThat(SchemaStore.fingerprint(OLD_WRITER))
        .isNotEqualTo(SchemaStore.fingerprint(LabeledImage.getClassSchema()));
    assertThat(OLD_WRITER.getField("attributes")).isNull();
  }

  @Test
  void oldWriterBytesFailWithUnknownFingerprintUntilTheOldSchemaIsRegistered() {
    AvroRecordCodec<LabeledImage> codec =
        AvroRecordCodec.of(LabeledImage.class, SchemaStore.withCurrentSchemas());
    long oldFingerprint = SchemaStore.fingerprint(OLD_WRITER);

    assertThatThrownBy(() -> codec.decode(oldProducerBytes()))
        .isInstanceOfSatisfying(
            RecordDecodeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_FINGERPRINT);
              assertThat(e.fingerprint()).hasValue(oldFingerprint);
              assertThat(e.getMessage())
                  .contains(String.format("0x%016x", oldFingerprint))
                  .contains("io.tlalign.schemas.LabeledImage")
                  .contains("SchemaStore.register");
            });
  }

  @Test
  void oldWriterBytesDecodeWithTheCurrentReaderOnceTheOldSchemaIsRegistered() throws Exception {
    SchemaStore store = SchemaStore.withCurrentSchemas();
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.of(LabeledImage.class, store);
    byte[] bytes = oldProducerBytes();
    assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(RecordDecodeException.class);

    store.register(OLD_WRITER);
    LabeledImage decoded = codec.decode(bytes);

    assertThat(decoded)
        .isEqualTo(LabeledImage.newBuilder(TestRecords.image()).setAttributes(null).build());
    assertThat(decoded.getAttributes()).isNull();
  }

  @Test
  void aNewerReaderGetsTheDefaultsOfItsAddedFieldsFromCurrentWriterBytes() throws Exception {
    LabeledImage image = TestRecords.image();
    byte[] bytes = AvroRecordCodec.forLabeledImage().encode(image);
    AvroRecordCodec<GenericRecord> newer =
        AvroRecordCodec.generic(NEXT_READER, SchemaStore.withCurrentSchemas());

    GenericRecord read = newer.decode(bytes);

    assertThat(read.get("sampleWeight")).isEqualTo(1.0);
    assertThat(read.get("split")).hasToString("unspecified");
    assertThat(read.get("id")).hasToString(image.getId());
    assertThat(read.get("label")).isEqualTo(image.getLabel());
    assertThat(read.get("encoding")).hasToString(ImageEncoding.RAW_U8.name());
    assertThat(read.get("pixels")).isEqualTo(image.getPixels());
    assertThat(read.get("eventTime")).isEqualTo(image.getEventTime().toEpochMilli());
    assertThat(((Map<?, ?>) read.get("attributes"))).hasSize(image.getAttributes().size());
  }

  @Test
  void aNewerReaderAlsoReadsTheOldestWriterOnceRegistered() throws Exception {
    SchemaStore store = SchemaStore.withCurrentSchemas();
    store.register(OLD_WRITER);
    AvroRecordCodec<GenericRecord> newer = AvroRecordCodec.generic(NEXT_READER, store);

    GenericRecord read = newer.decode(oldProducerBytes());

    assertThat(read.get("attributes")).isNull();
    assertThat(read.get("sampleWeight")).isEqualTo(1.0);
    assertThat(read.get("pixels")).isEqualTo(ByteBuffer.wrap(new byte[] {0, 1, 127, -128, -2, -1}));
  }

  @Test
  void anotherRecordTypesBytesAreAnIncompatibleSchemaNotGarbage() {
    byte[] metricBytes = AvroRecordCodec.forTrainingMetric().encode(TestRecords.metric());

    assertThatThrownBy(() -> AvroRecordCodec.forLabeledImage().decode(metricBytes))
        .isInstanceOfSatisfying(
            RecordDecodeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.INCOMPATIBLE_SCHEMA);
              assertThat(e.getMessage())
                  .contains("io.tlalign.schemas.TrainingMetric")
                  .contains("io.tlalign.schemas.LabeledImage")
                  .doesNotContain("\n");
            });
  }

  @Test
  void theReadersOwnSchemaIsReadableEvenFromAnEmptyStore() throws Exception {
    AvroRecordCodec<LabeledImage> codec =
        AvroRecordCodec.of(LabeledImage.class, SchemaStore.empty());

    assertThat(codec.decode(codec.encode(TestRecords.image()))).isEqualTo(TestRecords.image());
  }
}
