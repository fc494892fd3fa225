package io.tlalign.job.sync;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.schemas.SyncPhase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the sync topic back into the job ({@code read_committed}: only rounds whose checkpoint
 * committed) and ends once every replica's final contribution has passed, so that a bounded run
 * finishes. A KafkaSource cannot end on a condition found in its records, and that condition must
 * survive a restore: the offsets and the replicas whose final contribution passed are this source's
 * state.
 *
 * <p>A fresh start begins at the topic's last stable offsets, read before the job can commit any
 * round; older rounds on a shared topic belong to other runs. Broadcast: parallelism 1, every
 * message to every replica. Sharded: parallelism P, subtask s feeds replica s with partition 1 + s
 * (shard s of every contribution) and partition 0 (every reducer's reduced shard), so each replica
 * reads about 2M bytes per round whatever P.
 */
@SuppressWarnings("deprecation") // SourceFunction: the new Source API has no end-on-condition
public final class SyncTopicSource
    extends org.apache.flink.streaming.api.functions.source.RichParallelSourceFunction<byte[]>
    implements CheckpointedFunction {

  private static final long serialVersionUID = 1L;

  static final ListStateDescriptor<String> POSITIONS =
      new ListStateDescriptor<>("tlalign-sync-source-positions", String.class);

  private final KafkaClients kafka;
  private final String topic;
  private final String runId;
  private final int replicas;
  private final boolean sharded;

  private transient ListState<String> positionsState;
  private transient TreeMap<Integer, Long> offsets;
  private transient Set<Integer> finals;
  private transient boolean restored;
  private transient KafkaConsumer<byte[], byte[]> consumer;
  private transient volatile boolean running;

  /** The source of a broadcast exchange: one reader (parallelism 1) of the whole topic. */
  public SyncTopicSource(KafkaClients kafka, String topic, String runId, int replicas) {
    this(kafka, topic, runId, replicas, false);
  }

  /**
   * @param sharded the source of a sharded exchange: parallelism P, subtask s reads partition 0
   *     (the reduced shards, for all) and partition 1 + s (shard s of every contribution, for
   *     replica s to reduce)
   */
  public SyncTopicSource(
      KafkaClients kafka, String topic, String runId, int replicas, boolean sharded) {
    this.kafka = kafka;
    this.topic = topic;
    this.runId = runId;
    this.replicas = replicas;
    this.sharded = sharded;
  }

  /** The partition a sync message goes to: 0, or under sharding 1 + shard for a scatter message. */
  public static int partitionOf(SyncChunk chunk) {
    return chunk.phase() == SyncPhase.SCATTER ? 1 + chunk.shard() : 0;
  }

  /** The partitions a sharded exchange of {@code replicas} replicas needs. */
  public static int shardedPartitions(int replicas) {
    return 1 + replicas;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    positionsState = context.getOperatorStateStore().getListState(POSITIONS);
    offsets = new TreeMap<>();
    finals = new HashSet<>();
    restored = context.isRestored();
    if (restored) {
      // Entries are "P:partition=offset" and "P:final=r" (before rescaling: without "P:").
      boolean otherReplicaCount = false;
      for (String entry : positionsState.get()) {
        int colon = entry.indexOf(':');
        if (colon > 0 && Integer.parseInt(entry.substring(0, colon)) != replicas) {
          otherReplicaCount = true;
        }
        String[] kv = entry.substring(colon + 1).split("=", 2);
        if (kv[0].equals("final")) {
          finals.add(Integer.parseInt(kv[1]));
        } else {
          offsets.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
        }
      }
      if (otherReplicaCount || (sharded && offsets.isEmpty())) {
        // A rescale: the replicas start a new epoch and ignore every earlier round, so this
        // reader starts where a fresh one does.
        restored = false;
        offsets.clear();
        finals.clear();
      }
    }
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    Properties p =
        kafka.build(
            Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.CLIENT_ID_CONFIG, "tlalign-sync-" + runId));
    consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(topic)
        .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
    if (partitions.isEmpty()) {
      throw new IllegalStateException(
          "sync topic " + topic + " has no partitions; create it (JobTopics does) before the job");
    }
    if (sharded) {
      int shard = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
      if (partitions.size() < shardedPartitions(replicas)) {
        throw new IllegalStateException(
            "sync topic "
                + topic
                + " has "
                + partitions.size()
                + " partitions; tlalign.sync.exchange=sharded with "
                + replicas
                + " replicas needs "
                + shardedPartitions(replicas)
                + " (0 for the reduced shards, 1 + s for shard s): add partitions, or let the job"
                + " create the topic");
      }
      partitions.clear();
      partitions.add(new TopicPartition(topic, 0));
      partitions.add(new TopicPartition(topic, 1 + shard));
    }
    consumer.assign(partitions);
    if (!restored) {
      // Read now, before any checkpoint (and so any round of this job) can commit.
      for (Map.Entry<TopicPartition, Long> e : consumer.endOffsets(partitions).entrySet()) {
        offsets.put(e.getKey().partition(), e.getValue());
      }
    }
    for (TopicPartition tp : partitions) {
      consumer.seek(tp, offsets.getOrDefault(tp.partition(), 0L));
    }
    running = true;
  }

  @Override
  public void run(SourceContext<byte[]> ctx) {
    try {
      while (running && finals.size() < replicas) {
        var records = consumer.poll(Duration.ofMillis(100));
        synchronized (ctx.getCheckpointLock()) {
          for (ConsumerRecord<byte[], byte[]> r : records) {
            ctx.collect(r.value());
            offsets.put(r.partition(), r.offset() + 1);
            noteFinal(r.value());
          }
        }
      }
    } catch (WakeupException e) {
      // cancelled
    }
  }

  /** Counts a replica's final contribution once its last chunk passed. */
  private void noteFinal(byte[] message) {
    SyncChunk c;
    try {
      c = SyncChunk.decode(message);
    } catch (CorruptSyncDataException e) {
      c = e.chunk(); // a damaged final still ends the stream; the replicas reject it
    }
    if (c != null
        && c.runId().equals(runId)
        && c.round() == SyncChunk.FINAL_ROUND
        && c.index() == c.count() - 1
        && c.phase() == (sharded ? SyncPhase.GATHER : SyncPhase.CONTRIBUTION)) {
      // Sharded: the stream ends with the last reduced shard of the final round.
      finals.add(sharded ? c.shard() : c.replica());
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    List<String> entries = new ArrayList<>();
    offsets.forEach((partition, offset) -> entries.add(replicas + ":" + partition + "=" + offset));
    finals.forEach(r -> entries.add(replicas + ":final=" + r));
    positionsState.update(entries);
  }

  @Override
  public void cancel() {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
  }

  @Override
  public void close() throws Exception {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(5));
      consumer = null;
    }
  }
}
