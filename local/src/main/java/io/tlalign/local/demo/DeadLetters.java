package io.tlalign.local.demo;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.local.TopicReader;
import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What the job dead-lettered in a run: the records on the dead-letter topic (committed ones only),
 * counted by reason code, with the first message of each reason.
 */
record DeadLetters(long count, Map<String, Long> byReason, Map<String, String> firstMessage) {

  /** Reads the whole topic, as it is committed now. */
  static DeadLetters read(KafkaClients kafka, String topic) {
    AvroRecordCodec<DeadLetter> codec = AvroRecordCodec.forDeadLetter();
    Map<String, Long> byReason = new TreeMap<>();
    Map<String, String> first = new TreeMap<>();
    long count = 0;
    for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka, topic)) {
      DeadLetter d;
      try {
        d = codec.decode(r.value());
      } catch (RecordDecodeException e) {
        throw new IllegalStateException(
            "the dead-letter topic " + topic + " holds a record that is no DeadLetter", e);
      }
      count++;
      byReason.merge(d.getReasonCode(), 1L, Long::sum);
      first.putIfAbsent(d.getReasonCode(), d.getMessage());
    }
    return new DeadLetters(count, Map.copyOf(byReason), Map.copyOf(first));
  }
}
