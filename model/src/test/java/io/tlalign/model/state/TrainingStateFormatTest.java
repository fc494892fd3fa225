package io.tlalign.model.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class TrainingStateFormatTest {

  private static final TrainingState STATE = SampleStates.small();
  private static final byte[] BYTES = STATE.toBytes();

  @Test
  void roundTripIsBitExact() throws Exception {
    TrainingState back = TrainingState.fromBytes(BYTES);

    assertThat(back).isEqualTo(STATE);
    assertThat(bits(back.parameters().get(0).data()))
        .isEqualTo(bits(STATE.parameters().get(0).data()));
    assertThat(Float.floatToRawIntBits(back.parameters().get(0).data()[0])).isEqualTo(0x7FC01234);
    assertThat(Float.floatToRawIntBits(back.parameters().get(0).data()[2])).isEqualTo(0x7F800001);
    assertThat(Float.floatToRawIntBits(back.parameters().get(0).data()[3])).isEqualTo(0x80000000);
    assertThat(back.rngState()).containsExactly(1, 2, 3, 0xFF, 0, 7, -128);
    assertThat(back.metadata()).containsEntry("note", "ünïcödé ✓");
    assertThat(back.optimizerStepCount()).isEqualTo(41);
    assertThat(back.toBytes()).isEqualTo(BYTES);
  }

  @Test
  void roundTripWithoutMomentsOrMetadata() throws Exception {
    TrainingState s = SampleStates.withoutOptimizerOrMetadata();
    TrainingState back = TrainingState.fromBytes(s.toBytes());
    assertThat(back).isEqualTo(s);
    assertThat(back.metadata()).isEmpty();
    assertThat(back.firstMoments()).isEmpty();
    assertThat(back.rngState()).isEmpty();
  }

  @Test
  void layoutIsTheDocumentedOne() throws Exception {
    ByteBuffer b = ByteBuffer.wrap(BYTES).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new String(BYTES, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("TLAS");
    assertThat(b.getInt(4)).isEqualTo(1);
    assertThat(b.getLong(8)).isEqualTo(BYTES.length);
    assertThat(TrainingStateFormat.serializedSize(STATE)).isEqualTo(BYTES.length);
    int h = b.getInt(16);
    CRC32C crc = new CRC32C();
    crc.update(BYTES, 0, 20 + h);
    assertThat(b.getInt(20 + h)).isEqualTo((int) crc.getValue());
    // the data: 6 + 3 + 1 + 0 + 4 parameter floats, then 2 x (6 + 4) moment floats
    assertThat(BYTES.length - 24 - h - 32).isEqualTo(4 * (14 + 2 * 10));
    assertThat(Float.intBitsToFloat(b.getInt(24 + h + 4 * 13))).isEqualTo(4f); // head.weight[3]
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(BYTES, 0, BYTES.length - 32);
    assertThat(Arrays.copyOfRange(BYTES, BYTES.length - 32, BYTES.length)).isEqualTo(sha.digest());
  }

  @Test
  void streamingWritesTheSameBytesAndReadsNoFurtherThanOneState() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    STATE.writeTo(out);
    SampleStates.withoutOptimizerOrMetadata().writeTo(out);
    assertThat(Arrays.copyOf(out.toByteArray(), BYTES.length)).isEqualTo(BYTES);

    InputStream in = new ByteArrayInputStream(out.toByteArray());
    assertThat(TrainingState.readFrom(in)).isEqualTo(STATE);
    assertThat(TrainingState.readFrom(in)).isEqualTo(SampleStates.withoutOptimizerOrMetadata());
    assertThat(in.read()).isEqualTo(-1);
  }

  @Test
  void everyTruncationIsRefusedAsTruncated() {
    for (int len = 0; len < BYTES.length; len++) {
      byte[] prefix = Arrays.copyOf(BYTES, len);
      assertThat(catchThrowable(() -> TrainingState.fromBytes(prefix)))
          .as("prefix of %d bytes", len)
          .isInstanceOf(CorruptTrainingStateException.class)
          .hasMessageStartingWith("training state is truncated");
      assertThat(catchThrowable(() -> TrainingState.readFrom(new ByteArrayInputStream(prefix))))
          .as("stream of %d bytes", len)
          .isInstanceOf(CorruptTrainingStateException.class)
          .hasMessageStartingWith("training state is truncated");
    }
    assertThatThrownBy(() -> TrainingState.fromBytes(Arrays.copyOf(BYTES, 1000 % BYTES.length)))
        .hasMessageContaining("header declares " + BYTES.length + " bytes, got ");
  }

  @Test
  void everySingleBitFlipIsRefused() {
    for (int bit = 0; bit < BYTES.length * 8; bit++) {
      byte[] altered = flip(BYTES, bit);
      assertThat(catchThrowable(() -> TrainingState.fromBytes(altered)))
          .as("bit %d (byte %d)", bit, bit / 8)
          .isInstanceOf(CorruptTrainingStateException.class);
    }
  }

  @Test
  void sampledBitFlipsAreRefusedWhenStreaming() {
    Random random = new Random(20240607L);
    for (int i = 0; i < 600; i++) {
      int bit = random.nextInt(BYTES.length * 8);
      byte[] altered = flip(BYTES, bit);
      assertThat(catchThrowable(() -> TrainingState.readFrom(new ByteArrayInputStream(altered))))
          .as("bit %d (byte %d)", bit, bit / 8)
          .isInstanceOf(CorruptTrainingStateException.class);
    }
  }

  @Test
  void alteredDataFailsTheChecksumAndAlteredHeaderTheHeaderChecksum() {
    int h = ByteBuffer.wrap(BYTES).order(ByteOrder.LITTLE_ENDIAN).getInt(16);
    assertThatThrownBy(() -> TrainingState.fromBytes(flip(BYTES, 8 * (24 + h + 5))))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessageMatching(
            "training state checksum mismatch: stored sha-256 [0-9a-f]{64}, computed [0-9a-f]{64};"
                + " the bytes were altered");
    assertThatThrownBy(() -> TrainingState.fromBytes(flip(BYTES, 8 * 30)))
        .hasMessageStartingWith("training state header checksum mismatch: stored crc32c ");
    assertThatThrownBy(
            () -> TrainingState.readFrom(new ByteArrayInputStream(flip(BYTES, 8 * (24 + h + 5)))))
        .hasMessageStartingWith("training state checksum mismatch");
  }

  @Test
  void wrongMagicIsRefused() {
    byte[] zip = Arrays.copyOf(BYTES, BYTES.length);
    zip[0] = 'P';
    zip[1] = 'K';
    zip[2] = 3;
    zip[3] = 4;
    assertThatThrownBy(() -> TrainingState.fromBytes(zip))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessage(
            "not a training state: the first bytes are 50 4b 03 04, expected the magic 'TLAS'"
                + " (54 4c 41 53)");
    assertThatThrownBy(() -> TrainingState.fromBytes(new byte[] {'P', 'K', 3, 4, 0}))
        .hasMessageStartingWith("not a training state");
  }

  @Test
  void anotherFormatVersionIsRefused() {
    byte[] v7 = Arrays.copyOf(BYTES, BYTES.length);
    ByteBuffer.wrap(v7).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 7);
    assertThatThrownBy(() -> TrainingState.fromBytes(v7))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessageStartingWith(
            "unsupported training state format version 7; this build reads version 1");
    assertThatThrownBy(() -> TrainingState.readFrom(new ByteArrayInputStream(v7)))
        .hasMessageStartingWith("unsupported training state format version 7");
  }

  @Test
  void trailingBytesAreRefused() {
    byte[] longer = Arrays.copyOf(BYTES, BYTES.length + 3);
    assertThatThrownBy(() -> TrainingState.fromBytes(longer))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessageContaining("3 unexpected trailing bytes");
  }

  @Test
  void aCorruptedLengthFieldIsRefusedQuicklyWithoutAllocating() {
    for (long length : new long[] {1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, 3}) {
      byte[] altered = Arrays.copyOf(BYTES, BYTES.length);
      ByteBuffer.wrap(altered).order(ByteOrder.LITTLE_ENDIAN).putLong(8, length);
      assertTimeoutRefused(() -> TrainingState.fromBytes(altered));
      assertTimeoutRefused(() -> TrainingState.readFrom(new ByteArrayInputStream(altered)));
    }
    byte[] huge = Arrays.copyOf(BYTES, BYTES.length);
    ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(8, 1L << 40);
    assertThatThrownBy(() -> TrainingState.fromBytes(huge))
        .hasMessage(
            "training state is truncated: header declares 1099511627776 bytes, got "
                + BYTES.length);
  }

  @Test
  void aForgedHeaderClaimingAHugeTensorCostsOnlyTheBytesThatArrive() {
    // A header with a valid CRC and a consistent length that promises a 4 GiB tensor, followed by
    // only 1 MiB of data: the reader must fail on the missing data, not on allocating 4 GiB.
    long[] shape = {1L << 29, 2};
    byte[] prefixAndHeader = forgedPrefixAndHeader(shape);
    InputStream in =
        new SequenceInputStream(
            new ByteArrayInputStream(prefixAndHeader), new ByteArrayInputStream(new byte[1 << 20]));
    long start = System.nanoTime();
    assertThatThrownBy(() -> TrainingState.readFrom(in))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessage("training state is truncated: header declares 4294967422 bytes, got 1048670");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void aHeaderThatDisagreesWithTheDeclaredLengthIsRefused() {
    byte[] forged = forgedPrefixAndHeader(new long[] {4}, 123);
    assertThatThrownBy(() -> TrainingState.readFrom(new ByteArrayInputStream(forged)))
        .isInstanceOf(CorruptTrainingStateException.class)
        .hasMessageContaining("header describes 16 bytes of tensor data");
  }

  // ------------------------------------------------------------------------------ helpers

  private static byte[] forgedPrefixAndHeader(long[] shape) {
    return forgedPrefixAndHeader(shape, 0);
  }

  /** Prefix, header (one parameter "w" of {@code shape}) and a valid CRC; no data, no trailer. */
  private static byte[] forgedPrefixAndHeader(long[] shape, long lengthError) {
    ByteBuffer h = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    h.putInt(1).put((byte) 'x'); // preset
    h.putLong(0).putLong(0).putLong(0); // step, refused, optimizer step
    h.putInt(0); // rng
    h.putInt(0); // metadata
    h.putInt(1).putInt(1).put((byte) 'w').putInt(shape.length);
    for (long d : shape) {
      h.putLong(d);
    }
    h.putInt(0); // moments
    int headerLength = h.position();
    long elements = 1;
    for (long d : shape) {
      elements *= d;
    }
    long length = 20 + headerLength + 4 + 4 * elements + 32 + lengthError;
    ByteBuffer b = ByteBuffer.allocate(20 + headerLength + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put("TLAS".getBytes(StandardCharsets.US_ASCII))
        .putInt(1)
        .putLong(length)
        .putInt(headerLength);
    b.put(h.array(), 0, headerLength);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 20 + headerLength);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  private interface Read {
    Object run() throws IOException;
  }

  private static void assertTimeoutRefused(Read read) {
    long start = System.nanoTime();
    assertThat(catchThrowable(read::run)).isInstanceOf(CorruptTrainingStateException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  private static byte[] flip(byte[] bytes, int bit) {
    byte[] copy = Arrays.copyOf(bytes, bytes.length);
    copy[bit / 8] ^= (byte) (1 << (bit % 8));
    return copy;
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }
}
