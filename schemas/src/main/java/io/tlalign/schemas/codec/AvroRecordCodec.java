package io.tlalign.schemas.codec;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DatumReader;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Encodes records as Avro single-object encoding (marker {@code C3 01}, the writer schema's 8-byte
 * little-endian CRC-64-AVRO fingerprint, the binary body) and decodes such bytes written with any
 * writer schema the {@link SchemaStore} knows, resolved against this codec's (reader) schema.
 *
 * <p>This lets records evolve without a schema-registry server: the fingerprint says which schema
 * wrote the bytes, and readers carry the schemas they accept.
 *
 * <p>Decoding treats its input as untrusted. It either returns a complete record or throws {@link
 * RecordDecodeException} with a {@link Reason}; it never returns a partly filled record and never
 * lets Avro's runtime exceptions escape. Declared lengths are checked against the input before
 * anything is allocated, and bytes left over after the record are an error.
 *
 * <p>Thread-safe: one instance may be shared, and its per-writer resolutions are cached. It is not
 * {@code Serializable}; in Flink create it in {@code open()}, one per subtask.
 *
 * @param <T> the record type: a generated class, or {@link GenericRecord} for {@link #generic}
 */
public final class AvroRecordCodec<T> {

  private static final int MAX_CAUSE_DEPTH = 16;

  private final Schema schema;
  private final long fingerprint;
  private final BinaryMessageEncoder<T> encoder;
  private final WriterResolver<T> resolver;

  private AvroRecordCodec(Schema schema, GenericData model, SchemaStore store) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException("not a record schema: " + schema.getFullName());
    }
    this.schema = schema;
    this.fingerprint = SchemaStore.fingerprint(schema);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.resolver = new WriterResolver<>(schema, model, Objects.requireNonNull(store, "store"));
  }

  /** Codec for {@link LabeledImage}, reading the current schemas of this module. */
  public static AvroRecordCodec<LabeledImage> forLabeledImage() {
    return of(LabeledImage.class, SchemaStore.withCurrentSchemas());
  }

  /** Codec for {@link TrainingMetric}, reading the current schemas of this module. */
  public static AvroRecordCodec<TrainingMetric> forTrainingMetric() {
    return of(TrainingMetric.class, SchemaStore.withCurrentSchemas());
  }

  /** Codec for {@link ModelRef}, reading the current schemas of this module. */
  public static AvroRecordCodec<ModelRef> forModelRef() {
    return of(ModelRef.class, SchemaStore.withCurrentSchemas());
  }

  /** Codec for {@link DeadLetter}, reading the current schemas of this module. */
  public static AvroRecordCodec<DeadLetter> forDeadLetter() {
    return of(DeadLetter.class, SchemaStore.withCurrentSchemas());
  }

  /**
   * Codec for {@link ChunkHeader}, the header of a chunk frame, reading the current schemas of this
   * module (earlier header versions included).
   */
  public static AvroRecordCodec<ChunkHeader> forChunkHeader() {
    return of(ChunkHeader.class, SchemaStore.withCurrentSchemas());
  }

  /**
   * Codec for a generated record class, reading any writer schema in {@code store}.
   *
   * <p>The class's own schema is always readable, whether or not {@code store} holds it.
   */
  public static <T extends SpecificRecord> AvroRecordCodec<T> of(Class<T> type, SchemaStore store) {
    // The generated class's own model carries its logical-type conversions (Instant, ...).
    SpecificData model = SpecificData.getForClass(type);
    return new AvroRecordCodec<>(model.getSchema(type), model, store);
  }

  /**
   * Codec for {@link GenericRecord}s of an arbitrary reader schema, e.g. to read a topic with a
   * schema newer or older than this module's, or to produce an older writer's bytes in tests.
   * Logical types are not converted (a timestamp-millis stays a {@code Long}).
   */
  public static AvroRecordCodec<GenericRecord> generic(Schema readerSchema, SchemaStore store) {
    return new AvroRecordCodec<>(
        Objects.requireNonNull(readerSchema, "readerSchema"), GenericData.get(), store);
  }

  /** The schema this codec writes with and reads into. */
  public Schema schema() {
    return schema;
  }

  /** The fingerprint in the header of every message this codec encodes. */
  public long fingerprint() {
    return fingerprint;
  }

  /**
   * The record as single-object encoding.
   *
   * @throws RecordEncodeException if the record does not fit the schema (e.g. a required field is
   *     null)
   */
  public byte[] encode(T record) {
    if (record == null) {
      throw new RecordEncodeException("cannot encode a null " + schema.getFullName(), null);
    }
    if (record instanceof GenericContainer container && !schema.equals(container.getSchema())) {
      throw new RecordEncodeException(
          "record of schema "
              + container.getSchema().getFullName()
              + " (fingerprint "
              + RecordDecodeException.hex(SchemaStore.fingerprint(container.getSchema()))
              + ") given to the codec of "
              + schema.getFullName()
              + " (fingerprint "
              + RecordDecodeException.hex(fingerprint)
              + ")",
          null);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      encoder.encode(record, out);
    } catch (IOException | RuntimeException e) {
      throw new RecordEncodeException(
          "cannot encode " + schema.getFullName() + ": " + describe(e), e);
    }
    return out.toByteArray();
  }

  /**
   * The record in {@code message}, which must be exactly one single-object-encoded record.
   *
   * @param message the bytes, e.g. a Kafka record's value; {@code null} is treated as empty
   * @return a complete, freshly allocated record
   * @throws RecordDecodeException for anything but exactly one readable record
   */
  public T decode(byte[] message) throws RecordDecodeException {
    long writerFingerprint = SingleObjectHeader.fingerprint(message, schema.getFullName());
    DatumReader<T> reader = resolver.readerFor(writerFingerprint);
    int bodyLength = message.length - SingleObjectHeader.LENGTH;
    BoundedDecoder body = new BoundedDecoder(message, SingleObjectHeader.LENGTH, bodyLength);
    T record;
    try {
      // Never reuse a record: after a failure a reused one would be half overwritten.
      record = reader.read(null, body);
    } catch (IOException | RuntimeException e) {
      throw bodyFailure(e, writerFingerprint, bodyLength);
    }
    int left = body.remaining();
    if (left > 0) {
      throw new RecordDecodeException(
          Reason.TRAILING_BYTES,
          left
              + " of "
              + bodyLength
              + " body bytes left over after a complete "
              + schema.getFullName()
              + " (writer fingerprint "
              + RecordDecodeException.hex(writerFingerprint)
              + ")",
          null,
          writerFingerprint);
    }
    return record;
  }

  private RecordDecodeException bodyFailure(
      Exception failure, long writerFingerprint, int bodyLength) {
    String where =
        schema.getFullName()
            + " body of "
            + bodyLength
            + " bytes (writer fingerprint "
            + RecordDecodeException.hex(writerFingerprint)
            + ")";
    Throwable cause = failure;
    for (int depth = 0; cause != null && depth < MAX_CAUSE_DEPTH; depth++) {
      if (cause instanceof BoundedDecoder.DeclaredSizeException declared) {
        return new RecordDecodeException(
            declared.reason(), where + ": " + declared.getMessage(), failure, writerFingerprint);
      }
      if (cause instanceof EOFException) {
        return new RecordDecodeException(
            Reason.TRUNCATED,
            where + ": input ends before the record does",
            failure,
            writerFingerprint);
      }
      cause = cause.getCause();
    }
    return new RecordDecodeException(
        Reason.MALFORMED_BODY,
        where + " does not follow the writer schema: " + describe(failure),
        failure,
        writerFingerprint);
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    return failure.getClass().getSimpleName()
        + (message == null || message.isBlank() ? "" : ": " + message);
  }
}
