package io.tlalign.schemas.framing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.RoundContribution;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.SchemaStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * The path to a second header version: {@code ChunkHeader-next.avsc} adds what issue #18 may need
 * (a payload role, a shard index and count), each with a default. Frames written now read under it
 * with those defaults, and its frames read here once its schema is registered.
 */
class ChunkHeaderEvolutionTest {

  private static final Schema NEXT = schema("ChunkHeader-next.avsc");

  @Test
  void framesOfThisVersionReadUnderTheNextVersionWithItsDefaults() throws Exception {
    byte[] payload = "abcdef".getBytes(StandardCharsets.US_ASCII);
    byte[] frame =
        ChunkWriter.cut(
                ChunkHeader.newBuilder()
                    .setContribution(
                        RoundContribution.newBuilder()
                            .setRunId("run-9")
                            .setRound(4L)
                            .setStep(40L)
                            .setReplica(1)
                            .setReplicas(2)
                            .build()),
                payload,
                4)
            .get(1);
    int headerLength = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
    byte[] header = Arrays.copyOfRange(frame, 16, 16 + headerLength);

    GenericRecord next =
        AvroRecordCodec.generic(NEXT, SchemaStore.withCurrentSchemas()).decode(header);

    assertThat(next.get("index")).isEqualTo(1);
    assertThat(next.get("count")).isEqualTo(2);
    assertThat(next.get("payloadBytes")).isEqualTo(6L);
    assertThat(((GenericRecord) next.get("contribution")).get("runId").toString())
        .isEqualTo("run-9");
    assertThat(next.get("role").toString()).isEqualTo("STATE");
    assertThat(next.get("shard")).isEqualTo(0);
    assertThat(next.get("shards")).isEqualTo(1);
  }

  @Test
  void aFrameOfTheNextVersionIsRefusedUntilItsSchemaIsKnownThenRead() throws Exception {
    GenericRecord h = new GenericData.Record(NEXT);
    h.put("index", 0);
    h.put("count", 1);
    h.put("payloadBytes", 3L);
    h.put(
        "payloadSha256",
        new GenericData.Fixed(NEXT.getField("payloadSha256").schema(), new byte[32]));
    h.put("contribution", null);
    h.put("role", new GenericData.EnumSymbol(NEXT.getField("role").schema(), "GRADIENTS"));
    h.put("shard", 2);
    h.put("shards", 4);
    byte[] header = AvroRecordCodec.generic(NEXT, SchemaStore.empty()).encode(h);
    byte[] frame = ChunkFrame.allocate(header.length, 3);
    System.arraycopy(new byte[] {7, 8, 9}, 0, frame, 16 + header.length, 3);
    ChunkFrame.seal(frame, header);

    CorruptChunkException unknown =
        catchThrowableOfType(() -> ChunkFrame.decode(frame), CorruptChunkException.class);
    assertThat(unknown.reason()).isEqualTo(CorruptChunkException.Reason.UNREADABLE_HEADER);
    assertThat(unknown).hasMessageContaining("unknown writer schema fingerprint");

    SchemaStore store = SchemaStore.withCurrentSchemas();
    store.register(NEXT);
    ChunkFrame read = ChunkFrame.decode(frame, AvroRecordCodec.of(ChunkHeader.class, store));
    assertThat(read.header().getIndex()).isZero();
    assertThat(read.header().getCount()).isEqualTo(1);
    assertThat(read.header().getPayloadBytes()).isEqualTo(3L);
    assertThat(read.data()).containsExactly(7, 8, 9);
  }

  private static Schema schema(String name) {
    try (InputStream in = ChunkHeaderEvolutionTest.class.getResourceAsStream(name)) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
