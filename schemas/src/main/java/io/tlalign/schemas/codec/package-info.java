/**
 * Avro single-object encoding for the records of this module, without a schema-registry server.
 *
 * <p>{@link io.tlalign.schemas.codec.AvroRecordCodec} encodes and decodes; {@link
 * io.tlalign.schemas.codec.SchemaStore} holds the writer schemas a reader accepts; {@link
 * io.tlalign.schemas.codec.RecordDecodeException} says, with a stable reason code, why bytes are
 * not a record.
 */
package io.tlalign.schemas.codec;
