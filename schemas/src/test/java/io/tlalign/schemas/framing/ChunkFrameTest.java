package io.tlalign.schemas.framing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.RoundContribution;
import io.tlalign.schemas.Sha256;
import io.tlalign.schemas.framing.CorruptChunkException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

class ChunkFrameTest {

  /** Bytes 0, 1, ..., 31: a digest whose place in the frame is easy to see. */
  private static final byte[] COUNTING = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      COUNTING[i] = (byte) i;
    }
  }

  private static ChunkHeader header(int index, int count, long payloadBytes) {
    return ChunkHeader.newBuilder()
        .setIndex(index)
        .setCount(count)
        .setPayloadBytes(payloadBytes)
        .setPayloadSha256(new Sha256(COUNTING))
        .build();
  }

  @Test
  void layoutIsTheDocumentedOne() {
    byte[] frame =
        ChunkFrame.encode(header(1, 3, 10), "abcXY".getBytes(StandardCharsets.US_ASCII), 0, 3);

    ByteBuffer b = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new String(frame, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("TLCF");
    assertThat(b.getInt(4)).isEqualTo(1);
    // Header: marker (2) + fingerprint (8) + body: zig-zag varints 1 -> 02, 3 -> 06, 10 -> 14,
    // the 32 digest bytes, union branch 0 (null contribution) -> 00.
    assertThat(b.getInt(8)).isEqualTo(10 + 3 + 32 + 1);
    assertThat(b.getInt(12)).isEqualTo(3);
    assertThat(frame).hasSize(16 + 46 + 3 + 4);
    assertThat(frame[16]).isEqualTo((byte) 0xC3);
    assertThat(frame[17]).isEqualTo((byte) 0x01);
    assertThat(b.getLong(18))
        .isEqualTo(SchemaNormalization.parsingFingerprint64(ChunkHeader.getClassSchema()));
    assertThat(Arrays.copyOfRange(frame, 26, 29)).containsExactly(0x02, 0x06, 0x14);
    assertThat(Arrays.copyOfRange(frame, 29, 61)).isEqualTo(COUNTING);
    assertThat(frame[61]).isEqualTo((byte) 0x00);
    assertThat(new String(frame, 62, 3, StandardCharsets.US_ASCII)).isEqualTo("abc");
    CRC32C crc = new CRC32C();
    crc.update(frame, 0, 65);
    assertThat(b.getInt(65)).isEqualTo((int) crc.getValue());
  }

  @Test
  void aFrameDecodesToItsHeaderAndData() throws Exception {
    RoundContribution who =
        RoundContribution.newBuilder()
            .setRunId("run-7")
            .setRound(3L)
            .setStep(12L)
            .setReplica(1)
            .setReplicas(2)
            .build();
    ChunkHeader sent = ChunkHeader.newBuilder(header(0, 2, 5)).setContribution(who).build();

    ChunkFrame frame = ChunkFrame.decode(ChunkFrame.encode(sent, new byte[] {9, 8, 7}, 0, 3));

    assertThat(frame.header()).isEqualTo(sent);
    assertThat(frame.header().getContribution().getRunId()).isEqualTo("run-7");
    assertThat(frame.data()).containsExactly(9, 8, 7);
    assertThat(frame.dataStream().readAllBytes()).containsExactly(9, 8, 7);
  }

  @Test
  void theWriterCutsAPayloadIntoFramesThatCarryItsDigest() throws Exception {
    byte[] payload = new byte[100];
    new Random(11).nextBytes(payload);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(payload);

    List<byte[]> frames = ChunkWriter.cut(ChunkHeader.newBuilder(), payload, 30);

    assertThat(frames).hasSize(4);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (int i = 0; i < frames.size(); i++) {
      ChunkFrame f = ChunkFrame.decode(frames.get(i));
      assertThat(f.header().getIndex()).isEqualTo(i);
      assertThat(f.header().getCount()).isEqualTo(4);
      assertThat(f.header().getPayloadBytes()).isEqualTo(100);
      assertThat(f.header().getPayloadSha256().bytes()).isEqualTo(sha);
      assertThat(f.header().getContribution()).isNull();
      assertThat(f.dataLength()).isEqualTo(i < 3 ? 30 : 10);
      joined.write(f.data());
    }
    assertThat(joined.toByteArray()).isEqualTo(payload);

    // Written in uneven pieces, the frames are the same bytes.
    ChunkWriter w = ChunkWriter.open(ChunkHeader.newBuilder(), 100, 30);
    w.write(payload, 0, 7);
    w.write(payload[7]);
    w.write(payload, 8, 92);
    w.close();
    assertThat(w.frames()).containsExactlyElementsOf(frames);
  }

  @Test
  void anEmptyPayloadIsOneFrameWithoutData() throws Exception {
    List<byte[]> frames = ChunkWriter.cut(ChunkHeader.newBuilder(), new byte[0], 30);
    assertThat(frames).hasSize(1);
    ChunkFrame f = ChunkFrame.decode(frames.get(0));
    assertThat(f.dataLength()).isZero();
    assertThat(f.header().getCount()).isEqualTo(1);
    assertThat(f.header().getPayloadSha256().bytes())
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[0]));
  }

  @Test
  void theWriterHoldsItsCallerToTheAnnouncedLength() {
    ChunkWriter over = ChunkWriter.open(ChunkHeader.newBuilder(), 4, 3);
    assertThatThrownBy(() -> over.write(new byte[5], 0, 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("announced 4 bytes but is asked to write 5");
    ChunkWriter under = ChunkWriter.open(ChunkHeader.newBuilder(), 4, 3);
    under.write(new byte[2], 0, 2);
    assertThatThrownBy(under::frames).hasMessageContaining("close the chunk writer");
    assertThatThrownBy(under::close).hasMessageContaining("announced 4 bytes but got 2");
    assertThatThrownBy(() -> ChunkWriter.open(ChunkHeader.newBuilder(), 4, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dataBytesPerChunk is 0");
  }

  @Test
  void everySingleBitFlipIsRefused() {
    byte[] frame = ChunkFrame.encode(header(1, 3, 10), new byte[] {1, 2, 3, 4}, 0, 4);
    for (int bit = 0; bit < frame.length * 8; bit++) {
      byte[] altered = flip(frame, bit);
      assertThat(
              catchThrowableOfType(() -> ChunkFrame.decode(altered), CorruptChunkException.class))
          .as("bit %d (byte %d)", bit, bit / 8)
          .isNotNull();
    }
  }

  @Test
  void alteredDataIsAChecksumMismatchThatStillNamesTheChunk() {
    byte[] frame = ChunkFrame.encode(header(1, 3, 10), new byte[] {1, 2, 3, 4}, 0, 4);
    byte[] altered = flip(frame, 8 * (frame.length - 6));

    CorruptChunkException e =
        catchThrowableOfType(() -> ChunkFrame.decode(altered), CorruptChunkException.class);

    assertThat(e.reason()).isEqualTo(Reason.CHECKSUM_MISMATCH);
    assertThat(e)
        .hasMessageMatching("checksum mismatch: stored crc32c [0-9a-f]{8}, computed [0-9a-f]{8}");
    assertThat(e.header().getIndex()).isEqualTo(1);
  }

  @Test
  void everyTruncationIsRefusedAsTruncated() {
    byte[] frame = ChunkFrame.encode(header(0, 1, 4), new byte[] {1, 2, 3, 4}, 0, 4);
    for (int len = 0; len < frame.length; len++) {
      byte[] cut = Arrays.copyOf(frame, len);
      assertThat(catchThrowableOfType(() -> ChunkFrame.decode(cut), CorruptChunkException.class))
          .as("first %d bytes", len)
          .extracting(CorruptChunkException::reason)
          .isEqualTo(Reason.TRUNCATED);
    }
    assertThat(catchThrowableOfType(() -> ChunkFrame.decode(null), CorruptChunkException.class))
        .extracting(CorruptChunkException::reason)
        .isEqualTo(Reason.TRUNCATED);
  }

  @Test
  void trailingBytesAndImpossibleLengthsAreMalformed() {
    byte[] frame = ChunkFrame.encode(header(0, 1, 4), new byte[] {1, 2, 3, 4}, 0, 4);
    assertThat(reasonOf(Arrays.copyOf(frame, frame.length + 2))).isEqualTo(Reason.MALFORMED);
    byte[] hugeHeader = frame.clone();
    ByteBuffer.wrap(hugeHeader).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1 << 30);
    assertThat(reasonOf(hugeHeader)).isEqualTo(Reason.MALFORMED);
    byte[] negativeData = frame.clone();
    ByteBuffer.wrap(negativeData).order(ByteOrder.LITTLE_ENDIAN).putInt(12, -1);
    assertThat(reasonOf(negativeData)).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void anotherMagicIsNotAFrame() {
    assertThatThrownBy(() -> ChunkFrame.decode(new byte[] {'P', 'K', 3, 4, 0, 0}))
        .isInstanceOf(CorruptChunkException.class)
        .hasMessage(
            "the first bytes are 50 4b 03 04, not the chunk frame magic 'TLCF' (54 4c 43 46)");
  }

  @Test
  void theReaderDispatchesOnTheFrameVersionAndNamesAnUnknownOne() {
    byte[] v2 = ChunkFrame.encode(header(0, 1, 0), new byte[0], 0, 0);
    ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
    CorruptChunkException e =
        catchThrowableOfType(() -> ChunkFrame.decode(v2), CorruptChunkException.class);
    assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_VERSION);
    assertThat(e)
        .hasMessage(
            "chunk frame version 2; this build reads frame version 1 (the frame was written by a"
                + " newer build)");
  }

  @Test
  void aHeaderOfAnUnknownWriterSchemaIsUnreadableAndSaysSo() {
    byte[] frame = ChunkFrame.encode(header(0, 1, 4), new byte[] {1, 2, 3, 4}, 0, 4);
    ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putLong(18, 0x0123456789ABCDEFL);
    reseal(frame);

    CorruptChunkException e =
        catchThrowableOfType(() -> ChunkFrame.decode(frame), CorruptChunkException.class);

    assertThat(e.reason()).isEqualTo(Reason.UNREADABLE_HEADER);
    assertThat(e).hasMessageContaining("unknown writer schema fingerprint");
  }

  @Test
  void aHeaderThatCannotDescribeItsFrameIsImpossible() {
    byte[] indexOutside = ChunkFrame.encode(header(3, 3, 10), new byte[] {1}, 0, 1);
    CorruptChunkException e =
        catchThrowableOfType(() -> ChunkFrame.decode(indexOutside), CorruptChunkException.class);
    assertThat(e.reason()).isEqualTo(Reason.IMPOSSIBLE_HEADER);
    assertThat(e).hasMessage("the header declares chunk 3 of 3");
    assertThat(e.header().getIndex()).isEqualTo(3);

    byte[] moreDataThanPayload = ChunkFrame.encode(header(0, 1, 2), new byte[] {1, 2, 3}, 0, 3);
    assertThat(reasonOf(moreDataThanPayload)).isEqualTo(Reason.IMPOSSIBLE_HEADER);
  }

  @Test
  void theOverheadBoundCoversEveryHeaderAValidWriterMakes() throws Exception {
    int bound = ChunkFrame.overheadBound(ChunkHeader.newBuilder());
    // Prefix and checksum (20) + marker and fingerprint (10) + widest varints 5 + 5 + 10 + digest
    // 32 + union branch 1.
    assertThat(bound).isEqualTo(20 + 10 + 5 + 5 + 10 + 32 + 1);
    byte[] widest =
        ChunkFrame.encode(
            header(Integer.MAX_VALUE - 1, Integer.MAX_VALUE, Long.MAX_VALUE), new byte[0], 0, 0);
    assertThat(widest).hasSize(bound);
  }

  private static Reason reasonOf(byte[] bytes) {
    return catchThrowableOfType(() -> ChunkFrame.decode(bytes), CorruptChunkException.class)
        .reason();
  }

  /** Recomputes the CRC32C after a deliberate change, so only the change is tested. */
  static void reseal(byte[] frame) {
    CRC32C crc = new CRC32C();
    crc.update(frame, 0, frame.length - 4);
    ByteBuffer.wrap(frame)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(frame.length - 4, (int) crc.getValue());
  }

  private static byte[] flip(byte[] bytes, int bit) {
    byte[] copy = Arrays.copyOf(bytes, bytes.length);
    copy[bit / 8] ^= (byte) (1 << (bit % 8));
    return copy;
  }
}
