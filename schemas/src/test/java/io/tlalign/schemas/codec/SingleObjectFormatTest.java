package io.tlalign.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.schemas.LabeledImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The bytes on the wire are standard Avro single-object encoding, not a dialect of our own. */
class SingleObjectFormatTest {

  static List<TestRecords.Sample<?>> samples() {
    return TestRecords.oneOfEachType();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void theHeaderIsTheMarkerThenTheLittleEndianParsingFingerprintOfTheSchema(
      TestRecords.Sample<?> sample) {
    byte[] bytes = sample.encoded();
    long expected = SchemaNormalization.parsingFingerprint64(sample.record().getSchema());

    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    assertThat(ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong())
        .isEqualTo(expected);
    assertThat(sample.codec().fingerprint()).isEqualTo(expected);
    assertThat(SchemaStore.fingerprint(sample.record().getSchema())).isEqualTo(expected);
  }

  @Test
  void avrosOwnMessageDecoderReadsOurBytes() throws Exception {
    LabeledImage image = TestRecords.image();

    byte[] ours = AvroRecordCodec.forLabeledImage().encode(image);

    assertThat(LabeledImage.getDecoder().decode(ours)).isEqualTo(image);
  }

  @Test
  void weReadBytesFromAvrosGeneratedToByteBuffer() throws Exception {
    LabeledImage image = TestRecords.image();
    ByteBuffer buffer = image.toByteBuffer();
    byte[] theirs = new byte[buffer.remaining()];
    buffer.get(theirs);

    assertThat(AvroRecordCodec.forLabeledImage().decode(theirs)).isEqualTo(image);
    assertThat(theirs).isEqualTo(AvroRecordCodec.forLabeledImage().encode(image));
  }
}
