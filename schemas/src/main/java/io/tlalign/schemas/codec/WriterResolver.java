package io.tlalign.schemas.codec;

import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.io.DatumReader;

/**
 * Finds, per writer fingerprint, the datum reader that turns that writer's bytes into the reader's
 * record, and remembers it: working out a resolution is far more expensive than a decode.
 *
 * <p>A writer is checked for compatibility up front, as a whole. Avro alone would only fail the
 * records that happen to touch an incompatible part (say, a new enum symbol), which looks like
 * random corruption mid-stream; rejecting every record of an incompatible writer with {@link
 * Reason#INCOMPATIBLE_SCHEMA} is deterministic and names the cause.
 *
 * <p>Thread-safe. Unknown fingerprints are not remembered, so a schema registered later is picked
 * up; known ones are, which is sound because a store never changes a registered fingerprint.
 */
final class WriterResolver<T> {

  /** A writer's outcome: a reader for it, or why there cannot be one. */
  private record Resolution<T>(DatumReader<T> reader, String incompatibility) {}

  private final Schema readerSchema;
  private final long readerFingerprint;
  private final GenericData model;
  private final SchemaStore store;
  private final ConcurrentMap<Long, Resolution<T>> byFingerprint = new ConcurrentHashMap<>();

  WriterResolver(Schema readerSchema, GenericData model, SchemaStore store) {
    this.readerSchema = readerSchema;
    this.readerFingerprint = SchemaStore.fingerprint(readerSchema);
    this.model = model;
    this.store = store;
  }

  /**
   * The reader for bytes written with the schema of this fingerprint.
   *
   * @throws RecordDecodeException {@link Reason#UNKNOWN_FINGERPRINT} or {@link
   *     Reason#INCOMPATIBLE_SCHEMA}
   */
  DatumReader<T> readerFor(long fingerprint) throws RecordDecodeException {
    Resolution<T> resolution = byFingerprint.get(fingerprint);
    if (resolution == null) {
      // The reader's own schema is always readable, even from a store that lacks it.
      Schema writer =
          fingerprint == readerFingerprint ? readerSchema : store.findByFingerprint(fingerprint);
      if (writer == null) {
        throw new RecordDecodeException(
            Reason.UNKNOWN_FINGERPRINT,
            "unknown writer schema fingerprint "
                + RecordDecodeException.hex(fingerprint)
                + " (CRC-64-AVRO) for "
                + readerSchema.getFullName()
                + ": register the producer's writer schema (.avsc) with SchemaStore.register"
                + " before decoding",
            null,
            fingerprint);
      }
      Resolution<T> fresh = resolve(writer);
      Resolution<T> raced = byFingerprint.putIfAbsent(fingerprint, fresh);
      resolution = raced != null ? raced : fresh;
    }
    if (resolution.reader() == null) {
      throw new RecordDecodeException(
          Reason.INCOMPATIBLE_SCHEMA, resolution.incompatibility(), null, fingerprint);
    }
    return resolution.reader();
  }

  @SuppressWarnings("unchecked")
  private Resolution<T> resolve(Schema writer) {
    SchemaPairCompatibility compatibility =
        SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
    if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
      return new Resolution<>(null, describe(writer, compatibility));
    }
    return new Resolution<>((DatumReader<T>) model.createDatumReader(writer, readerSchema), null);
  }

  private String describe(Schema writer, SchemaPairCompatibility compatibility) {
    StringBuilder text =
        new StringBuilder("writer schema ")
            .append(writer.getFullName())
            .append(" (fingerprint ")
            .append(RecordDecodeException.hex(SchemaStore.fingerprint(writer)))
            .append(") cannot be read as ")
            .append(readerSchema.getFullName());
    List<Incompatibility> problems = compatibility.getResult().getIncompatibilities();
    if (!problems.isEmpty()) {
      Incompatibility first = problems.get(0);
      text.append(": ")
          .append(first.getType())
          .append(" at ")
          .append(first.getLocation())
          .append(": ")
          .append(first.getMessage());
      if (problems.size() > 1) {
        text.append(" (and ").append(problems.size() - 1).append(" more)");
      }
    }
    return text.toString();
  }
}
