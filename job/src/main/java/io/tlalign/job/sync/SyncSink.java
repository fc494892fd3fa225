package io.tlalign.job.sync;

import io.tlalign.job.kafka.ExactlyOnceKafkaSink;
import io.tlalign.job.settings.KafkaClients;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The transactional sink of the sync topic: a round becomes visible to the replicas only when the
 * checkpoint after it commits, so a restore never sees a round that the restored replicas have not
 * published yet. Sharded, a scatter message for shard s goes to partition 1 + s and every other
 * message to partition 0.
 */
public final class SyncSink {

  private SyncSink() {}

  public static KafkaSink<byte[]> create(KafkaClients kafka, String topic, SyncSettings sync) {
    byte[] key = sync.runId().getBytes(StandardCharsets.UTF_8);
    SerializationSchema<byte[]> keys = message -> key;
    SerializationSchema<byte[]> values = message -> message;
    KafkaRecordSerializationSchema<byte[]> records =
        sync.sharded()
            ? (message, context, timestamp) ->
                new ProducerRecord<>(topic, partitionOf(message), key, message)
            : KafkaRecordSerializationSchema.<byte[]>builder()
                .setTopic(topic)
                .setKeySerializationSchema(keys)
                .setValueSerializationSchema(values)
                .build();
    return ExactlyOnceKafkaSink.<byte[]>builder(
            kafka, ExactlyOnceKafkaSink.transactionalIdPrefix("sync", sync.runId()))
        .setRecordSerializer(records)
        .setProperty("max.request.size", Integer.toString(maxMessageBytes(sync.chunkBytes())))
        .build();
  }

  /** Where a message of this job's own goes: see {@link SyncTopicSource#partitionOf}. */
  private static Integer partitionOf(byte[] message) {
    try {
      return SyncTopicSource.partitionOf(SyncChunk.decode(message));
    } catch (CorruptSyncDataException e) {
      throw new IllegalStateException("a replica wrote a sync message it cannot read back", e);
    }
  }

  /** The sync topic's max.message.bytes for a chunk size: the chunk plus header room. */
  public static int maxMessageBytes(int chunkBytes) {
    return chunkBytes + (64 << 10);
  }
}
