package io.tlalign.schemas.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Untrusted bytes either decode to a complete record or fail with {@link RecordDecodeException}
 * carrying the right {@link Reason}; nothing else ever escapes.
 */
class MalformedInputTest {

  private static final int TRIALS = 2000;

  private final AvroRecordCodec<LabeledImage> images = AvroRecordCodec.forLabeledImage();
  private final AvroRecordCodec<TrainingMetric> metrics = AvroRecordCodec.forTrainingMetric();

  // ---- header ----

  @Test
  void nullAndZeroLengthInputAreEmpty() {
    assertThat(failure(images, null).reason()).isEqualTo(Reason.EMPTY);
    assertThat(failure(images, new byte[0]).reason()).isEqualTo(Reason.EMPTY);
    assertThat(failure(images, null).getMessage()).contains("tombstone");
  }

  @Test
  void jsonIsNotSingleObjectEncoding() {
    byte[] json = "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8);

    RecordDecodeException e = failure(images, json);

    assertThat(e.reason()).isEqualTo(Reason.BAD_MARKER);
    assertThat(e.getMessage()).contains("C3 01").contains("7B 22");
    assertThat(e.fingerprint()).isEmpty();
  }

  @Test
  void confluentRegistryFramingIsNotSingleObjectEncoding() {
    byte[] valid = images.encode(TestRecords.image());
    byte[] confluent = new byte[5 + valid.length - 10];
    confluent[4] = 17; // magic 0, then a 4-byte registry id, then the body
    System.arraycopy(valid, 10, confluent, 5, valid.length - 10);

    assertThat(failure(images, confluent).reason()).isEqualTo(Reason.BAD_MARKER);
  }

  @Test
  void aHeaderShorterThanTenBytesIsABadMarker() {
    assertThat(failure(images, new byte[] {(byte) 0xC3}).reason()).isEqualTo(Reason.BAD_MARKER);
    RecordDecodeException e = failure(images, new byte[] {(byte) 0xC3, 0x01, 1, 2, 3});
    assertThat(e.reason()).isEqualTo(Reason.BAD_MARKER);
    assertThat(e.getMessage()).contains("too short");
  }

  @Test
  void anUnknownFingerprintNamesItInHexAndSaysHowToFixIt() {
    byte[] bytes = images.encode(TestRecords.image());
    long unknown = 0x0123_4567_89AB_CDEFL;
    ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(unknown);

    RecordDecodeException e = failure(images, bytes);

    assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_FINGERPRINT);
    assertThat(e.fingerprint()).hasValue(unknown);
    assertThat(e.getMessage()).contains("0x0123456789abcdef").contains("register");
  }

  // ---- body ----

  @Test
  void bytesAfterACompleteRecordAreTrailingBytes() {
    byte[] valid = images.encode(TestRecords.image());

    RecordDecodeException e = failure(images, Arrays.copyOf(valid, valid.length + 3));

    assertThat(e.reason()).isEqualTo(Reason.TRAILING_BYTES);
    assertThat(e.getMessage()).startsWith("3 of");
    assertThat(e.fingerprint()).hasValue(images.fingerprint());
  }

  static List<TestRecords.Sample<?>> samples() {
    return TestRecords.oneOfEachType();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyTruncationOfAValidRecordFailsWithTheReasonForItsLength(TestRecords.Sample<?> sample) {
    byte[] valid = sample.encoded();

    for (int length = 0; length < valid.length; length++) {
      RecordDecodeException e = failure(sample.codec(), Arrays.copyOf(valid, length));

      Reason expected =
          length == 0 ? Reason.EMPTY : length < 10 ? Reason.BAD_MARKER : Reason.TRUNCATED;
      assertThat(e.reason())
          .as("prefix of %d of %d bytes", length, valid.length)
          .isEqualTo(expected);
    }
  }

  @Test
  void aGiantDeclaredStringLengthFailsFastWithoutAllocatingIt() {
    // Plain Avro 1.11.4 allocates a ~2 GB array for this before noticing the input is 4 bytes.
    byte[] bytes = withHeader(images.fingerprint(), body(e -> e.writeLong(2_000_000_000L)));

    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          for (int i = 0; i < 100; i++) {
            RecordDecodeException e = failure(images, bytes);
            assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
            assertThat(e.getMessage()).contains("2000000000");
          }
        });
  }

  @Test
  void aGiantDeclaredPixelsLengthIsTruncatedNotAnOutOfMemoryError() {
    byte[] bytes =
        withHeader(
            images.fingerprint(), imageFieldsBeforePixels(e -> e.writeLong(Integer.MAX_VALUE - 8)));

    RecordDecodeException e = failure(images, bytes);

    assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
    assertThat(e.getMessage()).contains("bytes value declares " + (Integer.MAX_VALUE - 8));
  }

  @Test
  void aGiantArrayItemCountIsRejectedBeforeAvroPresizesTheArray() {
    // Plain Avro pre-sizes the list from the count: 1.5 billion slots, an OutOfMemoryError.
    Schema schema =
        new Schema.Parser()
            .parse(
                "{\"type\":\"record\",\"name\":\"Ints\",\"fields\":"
                    + "[{\"name\":\"xs\",\"type\":{\"type\":\"array\",\"items\":\"int\"}}]}");
    AvroRecordCodec<?> codec = AvroRecordCodec.generic(schema, SchemaStore.empty());
    byte[] bytes = withHeader(codec.fingerprint(), body(e -> e.writeLong(1_500_000_000L)));

    RecordDecodeException e = failure(codec, bytes);

    assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
    assertThat(e.getMessage()).contains("array block declares 1500000000 items");
  }

  @Test
  void aLengthNoJavaArrayCanHaveIsMalformed() {
    byte[] bytes = withHeader(images.fingerprint(), body(e -> e.writeLong(1L << 40)));

    assertThat(failure(images, bytes).reason()).isEqualTo(Reason.MALFORMED_BODY);
  }

  @Test
  void aNegativeLengthIsMalformed() {
    byte[] bytes = withHeader(images.fingerprint(), body(e -> e.writeLong(-3)));

    RecordDecodeException e = failure(images, bytes);

    assertThat(e.reason()).isEqualTo(Reason.MALFORMED_BODY);
    assertThat(e.getMessage()).contains("-3");
  }

  @Test
  void aGiantMapEntryCountIsTruncated() {
    byte[] bytes =
        withHeader(
            images.fingerprint(),
            imageFieldsBeforeAttributes(
                e -> {
                  e.writeIndex(1);
                  e.writeLong(1_500_000_000L);
                }));

    assertThat(failure(images, bytes).reason()).isEqualTo(Reason.TRUNCATED);
  }

  @Test
  void aNegativeBlockCountBeyondAnyArrayIsMalformed() {
    byte[] bytes =
        withHeader(
            images.fingerprint(),
            imageFieldsBeforeAttributes(
                e -> {
                  e.writeIndex(1);
                  e.writeLong(-(1L << 40)); // negative count: a byte size follows
                  e.writeLong(4);
                }));

    assertThat(failure(images, bytes).reason()).isEqualTo(Reason.MALFORMED_BODY);
  }

  @Test
  void anEnumIndexOutOfRangeIsMalformed() {
    byte[] bytes =
        withHeader(
            images.fingerprint(),
            body(
                e -> {
                  e.writeString("id");
                  e.writeString("src");
                  e.writeInt(1);
                  e.writeInt(1);
                  e.writeInt(1);
                  e.writeInt(1);
                  e.writeEnum(9);
                  e.writeBytes(new byte[1]);
                  e.writeLong(0);
                  e.writeIndex(0);
                }));

    assertThat(failure(images, bytes).reason()).isEqualTo(Reason.MALFORMED_BODY);
  }

  @Test
  void aUnionIndexOutOfRangeIsMalformed() {
    byte[] bytes =
        withHeader(images.fingerprint(), imageFieldsBeforeAttributes(e -> e.writeIndex(7)));

    assertThat(failure(images, bytes).reason()).isEqualTo(Reason.MALFORMED_BODY);
  }

  @Test
  void anOverlongVarintIsMalformed() {
    byte[] prefix = body(e -> e.writeString("id"));
    byte[] overlong = new byte[12];
    Arrays.fill(overlong, (byte) 0xFF);
    byte[] bytes =
        withHeader(images.fingerprint(), concat(prefix, body(e -> e.writeString("s")), overlong));

    assertThat(failure(images, bytes).reason()).isEqualTo(Reason.MALFORMED_BODY);
  }

  // ---- random input ----

  @Test
  void randomBytesNeverEscapeAsAnythingButRecordDecodeException() {
    Random random = new Random(20240506L);
    for (int trial = 0; trial < TRIALS; trial++) {
      byte[] bytes = new byte[random.nextInt(120)];
      random.nextBytes(bytes);

      RecordDecodeException e = failure(images, bytes);

      if (bytes.length == 0) {
        assertThat(e.reason()).isEqualTo(Reason.EMPTY);
      } else if (bytes[0] != (byte) 0xC3) {
        assertThat(e.reason()).as("trial %d", trial).isEqualTo(Reason.BAD_MARKER);
      }
    }
  }

  @Test
  void randomBytesAfterTheMarkerAreAnUnknownFingerprint() {
    Random random = new Random(7L);
    for (int trial = 0; trial < TRIALS; trial++) {
      byte[] bytes = new byte[10 + random.nextInt(100)];
      random.nextBytes(bytes);
      bytes[0] = (byte) 0xC3;
      bytes[1] = 0x01;

      assertThat(failure(images, bytes).reason())
          .as("trial %d", trial)
          .isEqualTo(Reason.UNKNOWN_FINGERPRINT);
    }
  }

  @Test
  void randomImageBodiesAfterAValidHeaderFailTypedOrDecodeCompletely() {
    Map<Reason, Integer> seen = decodeRandomBodies(images, new Random(11L));

    assertThat(seen).containsKeys(Reason.TRUNCATED, Reason.MALFORMED_BODY);
    assertThat(seen.keySet())
        .isSubsetOf(Reason.TRUNCATED, Reason.MALFORMED_BODY, Reason.TRAILING_BYTES);
  }

  @Test
  void randomMetricBodiesAfterAValidHeaderFailTypedOrDecodeCompletely() {
    Map<Reason, Integer> seen = decodeRandomBodies(metrics, new Random(13L));

    // The metric ends with an optional array whose union index random bytes rarely get right, so
    // random bodies seldom decode far enough to leave trailing bytes; those are covered above.
    assertThat(seen).containsKeys(Reason.TRUNCATED, Reason.MALFORMED_BODY);
    assertThat(seen.keySet())
        .isSubsetOf(Reason.TRUNCATED, Reason.MALFORMED_BODY, Reason.TRAILING_BYTES);
  }

  @Test
  void validRecordsWithRandomlyCorruptedBodyBytesFailTypedOrDecodeCompletely() {
    byte[] valid = images.encode(TestRecords.image());
    Random random = new Random(17L);
    for (int trial = 0; trial < TRIALS; trial++) {
      byte[] bytes = valid.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        bytes[10 + random.nextInt(bytes.length - 10)] = (byte) random.nextInt(256);
      }
      assertCompleteOrTyped(images, bytes, trial);
    }
  }

  // ---- helpers ----

  /** Decodes random bodies behind a valid header; returns how often each reason came up. */
  private static Map<Reason, Integer> decodeRandomBodies(AvroRecordCodec<?> codec, Random random) {
    Map<Reason, Integer> seen = new EnumMap<>(Reason.class);
    for (int trial = 0; trial < TRIALS; trial++) {
      byte[] body = new byte[random.nextInt(160)];
      random.nextBytes(body);
      Reason reason = assertCompleteOrTyped(codec, withHeader(codec.fingerprint(), body), trial);
      if (reason != null) {
        seen.merge(reason, 1, Integer::sum);
      }
    }
    return seen;
  }

  /**
   * Asserts the bytes either decode into a record that validates against the schema (no field left
   * unset) or fail with RecordDecodeException; returns the reason, or null on success.
   */
  private static Reason assertCompleteOrTyped(AvroRecordCodec<?> codec, byte[] bytes, int trial) {
    Object[] decoded = new Object[1];
    Throwable thrown = catchThrowable(() -> decoded[0] = codec.decode(bytes));
    if (thrown == null) {
      assertComplete((IndexedRecord) decoded[0], "trial " + trial);
      return null;
    }
    assertTyped(thrown, "trial " + trial);
    return ((RecordDecodeException) thrown).reason();
  }

  /** Every field set: null only where the schema allows null. */
  private static void assertComplete(IndexedRecord record, String what) {
    assertThat(record).as(what).isNotNull();
    for (Schema.Field field : record.getSchema().getFields()) {
      if (!field.schema().isNullable()) {
        assertThat(record.get(field.pos())).as("%s: field %s", what, field.name()).isNotNull();
      }
    }
  }

  private static RecordDecodeException failure(AvroRecordCodec<?> codec, byte[] bytes) {
    Throwable thrown = catchThrowable(() -> codec.decode(bytes));
    assertTyped(thrown, "input " + (bytes == null ? "null" : bytes.length + " bytes"));
    return (RecordDecodeException) thrown;
  }

  private static void assertTyped(Throwable thrown, String what) {
    assertThat(thrown).as(what).isInstanceOf(RecordDecodeException.class);
    assertThat(thrown.getMessage()).as(what).isNotBlank().doesNotContain("\n", "\r");
  }

  private static byte[] withHeader(long fingerprint, byte[] body) {
    ByteBuffer buffer = ByteBuffer.allocate(10 + body.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint).put(body);
    return buffer.array();
  }

  /** LabeledImage fields before {@code pixels}, then {@code tail}. */
  private static byte[] imageFieldsBeforePixels(Writes tail) {
    return body(
        e -> {
          e.writeString("id");
          e.writeString("src");
          e.writeInt(1);
          e.writeInt(1);
          e.writeInt(1);
          e.writeInt(1);
          e.writeEnum(0);
          tail.write(e);
        });
  }

  /** LabeledImage fields before {@code attributes} (empty pixels), then {@code tail}. */
  private static byte[] imageFieldsBeforeAttributes(Writes tail) {
    return imageFieldsBeforePixels(
        e -> {
          e.writeBytes(new byte[0]);
          e.writeLong(0);
          tail.write(e);
        });
  }

  private interface Writes {
    void write(BinaryEncoder encoder) throws IOException;
  }

  private static byte[] body(Writes writes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writes.write(encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
