package io.tlalign.job.sync;

import io.tlalign.job.kafka.ExactlyOnceKafkaSink;
import io.tlalign.job.settings.KafkaClients;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * The transactional sink of the sync topic: a round becomes visible to the replicas only when the
 * checkpoint after it commits, so a restore never sees a round that the restored replicas have not
 * published yet.
 */
public final class SyncSink {

  private SyncSink() {}

  public static KafkaSink<byte[]> create(KafkaClients kafka, String topic, SyncSettings sync) {
    byte[] key = sync.runId().getBytes(StandardCharsets.UTF_8);
    SerializationSchema<byte[]> keys = message -> key;
    SerializationSchema<byte[]> values = message -> message;
    return ExactlyOnceKafkaSink.<byte[]>builder(
            kafka, ExactlyOnceKafkaSink.transactionalIdPrefix("sync", sync.runId()))
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<byte[]>builder()
                .setTopic(topic)
                .setKeySerializationSchema(keys)
                .setValueSerializationSchema(values)
                .build())
        .setProperty("max.request.size", Integer.toString(maxMessageBytes(sync.chunkBytes())))
        .build();
  }

  /** The sync topic's max.message.bytes for a chunk size: the chunk plus header room. */
  public static int maxMessageBytes(int chunkBytes) {
    return chunkBytes + (64 << 10);
  }
}
