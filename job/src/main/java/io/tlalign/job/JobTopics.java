package io.tlalign.job;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.sync.SyncExchange;
import io.tlalign.job.sync.SyncSink;
import io.tlalign.job.sync.SyncTopicSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the job's topics when they are missing, so a first run on an empty cluster works and the
 * eval and models sources never wait on a topic that does not exist yet.
 */
public final class JobTopics {

  /** Enough for one model pointer or metric; images get a larger limit on their own topics. */
  static final String SMALL_MESSAGES = Integer.toString(1 << 20);

  /** Fits an image record of a 224x224x3 raw image with room to spare. */
  static final String IMAGE_MESSAGES = Integer.toString(8 << 20);

  private JobTopics() {}

  public static void ensure(ReadableConfig conf) {
    KafkaClients kafka = KafkaClients.from(conf);
    try (Admin admin = Admin.create(adminConfig(kafka))) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      add(missing, existing, conf.get(TlAlignOptions.TRAIN_TOPIC), IMAGE_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.EVAL_TOPIC), IMAGE_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.DEAD_LETTER_TOPIC), IMAGE_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.METRICS_TOPIC), SMALL_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.MODELS_TOPIC), SMALL_MESSAGES);
      int syncPartitions = syncPartitions(conf);
      if (syncPartitions > 0) {
        String sync = conf.get(TlAlignOptions.SYNC_TOPIC);
        add(
            missing,
            existing,
            sync,
            Integer.toString(SyncSink.maxMessageBytes(conf.get(TlAlignOptions.SYNC_CHUNK_BYTES))),
            syncPartitions);
        if (existing.contains(sync)) {
          widen(admin, sync, syncPartitions);
        }
      }
      if (!missing.isEmpty()) {
        List<String> refused = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<Void>> e :
            admin.createTopics(missing).values().entrySet()) {
          try {
            e.getValue().get(30, TimeUnit.SECONDS);
          } catch (ExecutionException failed) {
            if (failed.getCause() instanceof TopicAuthorizationException) {
              refused.add(e.getKey());
            } else if (!(failed.getCause() instanceof TopicExistsException)) {
              throw failed;
            }
          }
        }
        if (!refused.isEmpty()) {
          throw new KafkaAccessException(
              "Kafka refused to create the missing topic"
                  + (refused.size() > 1 ? "s " : " ")
                  + String.join(", ", refused)
                  + ": the job's Kafka user lacks CREATE on "
                  + (refused.size() > 1 ? "them" : "it")
                  + "; create "
                  + (refused.size() > 1 ? "them" : "it")
                  + " beforehand or grant CREATE (and DESCRIBE) on topic "
                  + String.join(", ", refused));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          kafka.redact(
              "cannot reach Kafka at "
                  + kafka.bootstrapServers()
                  + " to create the job's topics: "
                  + KafkaAccessCheck.oneLine(e)
                  + "; check --bootstrap-servers and the client settings (--kafka-config)"),
          e);
    }
  }

  /** The admin client of the job's topic and offset calls. */
  static Properties adminConfig(KafkaClients kafka) {
    return kafka.build(
        Map.of(
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000",
            AdminClientConfig.CLIENT_ID_CONFIG, "tlalign-admin"));
  }

  private static void add(List<NewTopic> out, Set<String> existing, String topic, String maxBytes) {
    add(out, existing, topic, maxBytes, 1);
  }

  private static void add(
      List<NewTopic> out, Set<String> existing, String topic, String maxBytes, int partitions) {
    if (!existing.contains(topic) && out.stream().noneMatch(t -> t.name().equals(topic))) {
      out.add(
          new NewTopic(topic, partitions, (short) 1)
              .configs(Map.of("max.message.bytes", maxBytes)));
    }
  }

  /**
   * The partitions the sync topic needs: none with one replica, 1 + P under the sharded exchange (0
   * for the reduced shards, 1 + s for shard s), else 1.
   */
  public static int syncPartitions(ReadableConfig conf) {
    int replicas = conf.get(TlAlignOptions.REPLICAS);
    if (replicas <= 1) {
      return 0;
    }
    return SyncExchange.parse(conf.get(TlAlignOptions.SYNC_EXCHANGE)) == SyncExchange.SHARDED
        ? SyncTopicSource.shardedPartitions(replicas)
        : 1;
  }

  /** Adds partitions to an existing sync topic that has fewer than the sharded exchange needs. */
  private static void widen(Admin admin, String topic, int partitions)
      throws InterruptedException, ExecutionException, TimeoutException {
    int now =
        admin
            .describeTopics(List.of(topic))
            .allTopicNames()
            .get(30, TimeUnit.SECONDS)
            .get(topic)
            .partitions()
            .size();
    if (now >= partitions) {
      return;
    }
    try {
      admin
          .createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException failed) {
      if (failed.getCause() instanceof TopicAuthorizationException) {
        throw new KafkaAccessException(
            "the sync topic "
                + topic
                + " has "
                + now
                + " partitions and tlalign.sync.exchange=sharded needs "
                + partitions
                + "; the job's Kafka user may not add them: grant ALTER on topic "
                + topic
                + " or add the partitions beforehand (kafka-topics.sh --alter --topic "
                + topic
                + " --partitions "
                + partitions
                + ")");
      }
      throw failed;
    }
  }

  /** Deletes the train group's committed offsets, so that a fresh start reads from the start. */
  public static void forgetCommittedOffsets(ReadableConfig conf) throws Exception {
    try (Admin admin = Admin.create(adminConfig(KafkaClients.from(conf)))) {
      admin
          .deleteConsumerGroups(List.of(conf.get(TlAlignOptions.GROUP_ID)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
        throw e;
      }
    }
  }
}
