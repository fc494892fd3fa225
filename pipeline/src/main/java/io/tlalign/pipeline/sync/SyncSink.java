package io.tlalign.pipeline.sync;

import io.tlalign.pipeline.job.KafkaClients;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * The transactional sink of the sync topic: a round becomes visible to the replicas only when the
 * checkpoint after it commits, so a restore never sees a round that the restored replicas have not
 * published yet.
 */
public final class SyncSink {

  /** Below the broker's default transaction.max.timeout.ms (15 min); Flink's default is 1 h. */
  static final String TRANSACTION_TIMEOUT_MS = Integer.toString(10 * 60 * 1000);

  private SyncSink() {}

  public static KafkaSink<byte[]> create(KafkaClients kafka, String topic, SyncSettings sync) {
    byte[] key = sync.runId().getBytes(StandardCharsets.UTF_8);
    SerializationSchema<byte[]> keys = message -> key;
    SerializationSchema<byte[]> values = message -> message;
    return KafkaSink.<byte[]>builder()
        .setKafkaProducerConfig(kafka.build())
        .setRecordSerializer(
            KafkaRecordSerializationSchema.<byte[]>builder()
                .setTopic(topic)
                .setKeySerializationSchema(keys)
                .setValueSerializationSchema(values)
                .build())
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix("tlalign-sync-" + sync.runId())
        .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
        .setProperty("max.request.size", Integer.toString(maxMessageBytes(sync.chunkBytes())))
        .build();
  }

  /** The sync topic's max.message.bytes for a chunk size: the chunk plus header room. */
  public static int maxMessageBytes(int chunkBytes) {
    return chunkBytes + (64 << 10);
  }
}
