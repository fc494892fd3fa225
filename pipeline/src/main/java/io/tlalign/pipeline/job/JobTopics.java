package io.tlalign.pipeline.job;

import io.tlalign.pipeline.sync.SyncSink;
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
import org.apache.kafka.clients.admin.NewTopic;
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
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(TlAlignOptions.BOOTSTRAP_SERVERS));
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(p)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      add(missing, existing, conf.get(TlAlignOptions.TRAIN_TOPIC), IMAGE_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.EVAL_TOPIC), IMAGE_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.DEAD_LETTER_TOPIC), IMAGE_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.METRICS_TOPIC), SMALL_MESSAGES);
      add(missing, existing, conf.get(TlAlignOptions.MODELS_TOPIC), SMALL_MESSAGES);
      if (conf.get(TlAlignOptions.REPLICAS) > 1) {
        add(
            missing,
            existing,
            conf.get(TlAlignOptions.SYNC_TOPIC),
            Integer.toString(SyncSink.maxMessageBytes(conf.get(TlAlignOptions.SYNC_CHUNK_BYTES))));
      }
      if (!missing.isEmpty()) {
        try {
          admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw e;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot reach Kafka at "
              + conf.get(TlAlignOptions.BOOTSTRAP_SERVERS)
              + " to create the job's topics: "
              + e.getMessage()
              + "; check --bootstrap-servers",
          e);
    }
  }

  private static void add(List<NewTopic> out, Set<String> existing, String topic, String maxBytes) {
    if (!existing.contains(topic) && out.stream().noneMatch(t -> t.name().equals(topic))) {
      out.add(new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", maxBytes)));
    }
  }

  /** Deletes the train group's committed offsets, so that a fresh start reads from the start. */
  public static void forgetCommittedOffsets(ReadableConfig conf) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(TlAlignOptions.BOOTSTRAP_SERVERS));
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    try (Admin admin = Admin.create(p)) {
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
