/**
 * The chunk framing shared by everything tlalign cuts into bounded pieces: the training state in
 * Flink state and the replicas' round contributions on the sync topic.
 *
 * <p>{@link io.tlalign.schemas.framing.ChunkFrame} is one frame (layout in its Javadoc): a fixed
 * little-endian prefix, a {@link io.tlalign.schemas.ChunkHeader} in Avro single-object encoding, so
 * header versions evolve through the {@link io.tlalign.schemas.codec.SchemaStore}, the data, and a
 * CRC32C. {@link io.tlalign.schemas.framing.ChunkWriter} cuts a payload into frames whose headers
 * carry its SHA-256. Joining is the reader's: each knows which frames belong together and words its
 * own refusals ({@link io.tlalign.schemas.framing.CorruptChunkException} gives the reason).
 */
package io.tlalign.schemas.framing;
