package io.tlalign.schemas.codec;

import io.tlalign.schemas.ChunkHeader;
import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * The writer schemas a reader can resolve, keyed by their 64-bit CRC-64-AVRO fingerprint, which is
 * what the header of Avro single-object encoding carries.
 *
 * <p>This replaces a schema-registry server: every reader ships the schemas it can read, and an
 * older producer's schema is {@link #register(Schema) registered} (e.g. from an {@code .avsc} kept
 * in the repository) when a rolling upgrade leaves old records on a topic.
 *
 * <p>Thread-safe; registering while other threads decode is allowed. A fingerprint, once
 * registered, always maps to the same schema, so readers may cache what they derive from it.
 */
public final class SchemaStore implements org.apache.avro.message.SchemaStore {

  private final ConcurrentMap<Long, Schema> byFingerprint = new ConcurrentHashMap<>();

  private SchemaStore() {}

  /** A store holding no schemas yet. */
  public static SchemaStore empty() {
    return new SchemaStore();
  }

  /**
   * A store holding the current schema of every record of this module ({@link LabeledImage}, {@link
   * TrainingMetric}, {@link ModelRef}, {@link DeadLetter} and {@link ChunkHeader}) and the earlier
   * versions that records still on a topic or in a checkpoint may have been written with ({@link
   * #HISTORY}).
   */
  public static SchemaStore withCurrentSchemas() {
    SchemaStore store = new SchemaStore();
    store.register(LabeledImage.getClassSchema());
    store.register(TrainingMetric.getClassSchema());
    store.register(ModelRef.getClassSchema());
    store.register(DeadLetter.getClassSchema());
    store.register(ChunkHeader.getClassSchema());
    for (String resource : HISTORY) {
      store.register(historic(resource));
    }
    return store;
  }

  /**
   * Earlier writer schemas, as classpath resources: {@code TrainingMetric-v1} is the metric before
   * it carried per-image aligned shares, {@code TrainingMetric-v2} before it carried the replica,
   * round and round latency, {@code ModelRef-v1} the pointer before it carried the consensus round;
   * a job upgraded past them still reads the records they wrote. When {@link ChunkHeader} changes,
   * its previous schema goes here too: {@code ChunkHeader-v1} is the header before the round
   * contribution carried the epoch, phase and shard of the sharded exchange, so frames in existing
   * checkpoints and on the sync topic keep decoding.
   */
  public static final java.util.List<String> HISTORY =
      java.util.List.of(
          "/io/tlalign/schemas/history/TrainingMetric-v1.avsc",
          "/io/tlalign/schemas/history/TrainingMetric-v2.avsc",
          "/io/tlalign/schemas/history/ModelRef-v1.avsc",
          "/io/tlalign/schemas/history/ChunkHeader-v1.avsc");

  private static Schema historic(String resource) {
    try (java.io.InputStream in = SchemaStore.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing schema resource " + resource);
      }
      return new Schema.Parser().parse(in);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("reading schema resource " + resource, e);
    }
  }

  /**
   * The fingerprint single-object encoding uses for a schema: CRC-64-AVRO of its Parsing Canonical
   * Form. That form drops docs, defaults, aliases and logical types, none of which change how a
   * writer lays out its bytes.
   */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(Objects.requireNonNull(schema, "schema"));
  }

  /**
   * Adds a writer schema. Registering a schema whose fingerprint is already known keeps the first
   * one: the two can differ only in what the fingerprint ignores, which does not matter to a
   * writer.
   *
   * @return the schema's fingerprint
   */
  public long register(Schema schema) {
    long fingerprint = fingerprint(schema);
    byFingerprint.putIfAbsent(fingerprint, schema);
    return fingerprint;
  }

  /** Whether a writer schema with this fingerprint is registered. */
  public boolean contains(long fingerprint) {
    return byFingerprint.containsKey(fingerprint);
  }

  /**
   * The registered schema with this fingerprint, or {@code null} where there is none (the contract
   * of Avro's {@link org.apache.avro.message.SchemaStore}).
   */
  @Override
  public Schema findByFingerprint(long fingerprint) {
    return byFingerprint.get(fingerprint);
  }

  /** The fingerprints registered so far, as a snapshot (for logs and diagnostics). */
  public Set<Long> fingerprints() {
    return Set.copyOf(byFingerprint.keySet());
  }
}
