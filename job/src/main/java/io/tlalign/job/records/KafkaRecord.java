package io.tlalign.job.records;

/**
 * A Kafka record as received, before any decoding, so that a bad one can still be dead-lettered
 * whole. {@code seq} is its position in the job's input order, assigned right after the source.
 */
public class KafkaRecord {
  public String topic;
  public int partition;
  public long offset;
  public long timestamp;
  public byte[] key;
  public byte[] value;
  public long seq = -1;

  public KafkaRecord() {}

  public KafkaRecord(
      String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
  }

  @Override
  public String toString() {
    return topic + "-" + partition + "@" + offset + " (seq " + seq + ")";
  }
}
