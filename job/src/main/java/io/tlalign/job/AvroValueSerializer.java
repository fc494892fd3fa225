package io.tlalign.job;

import io.tlalign.schemas.codec.AvroRecordCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.util.function.SerializableSupplier;

/** Writes records in the single-object encoding; the codec is made on the task manager. */
final class AvroValueSerializer<T extends SpecificRecord> implements SerializationSchema<T> {

  private final SerializableSupplier<AvroRecordCodec<T>> codecFactory;
  private transient AvroRecordCodec<T> codec;

  AvroValueSerializer(SerializableSupplier<AvroRecordCodec<T>> codecFactory) {
    this.codecFactory = codecFactory;
  }

  @Override
  public void open(InitializationContext context) {
    codec = codecFactory.get();
  }

  @Override
  public byte[] serialize(T element) {
    if (codec == null) {
      codec = codecFactory.get();
    }
    return codec.encode(element);
  }
}
