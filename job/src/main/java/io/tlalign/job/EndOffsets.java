package io.tlalign.job;

import io.tlalign.job.settings.KafkaClients;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The end of a bounded run as explicit offsets ({@code partition:offset,...}): a rerun that
 * restores a checkpoint must stop at the same offsets as the first run, not at whatever the topic
 * holds by then.
 */
public final class EndOffsets {

  private EndOffsets() {}

  /** The topic's current end offsets, in the text form. */
  public static String current(KafkaClients kafka, String topic) throws Exception {
    try (Admin admin = Admin.create(JobTopics.adminConfig(kafka))) {
      var partitions =
          admin
              .describeTopics(java.util.List.of(topic))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(topic)
              .partitions();
      Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
      partitions.forEach(
          pi -> request.put(new TopicPartition(topic, pi.partition()), OffsetSpec.latest()));
      var ends = admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
      return ends.entrySet().stream()
          .sorted(
              Map.Entry.comparingByKey(
                  java.util.Comparator.comparingInt(TopicPartition::partition)))
          .map(e -> e.getKey().partition() + ":" + e.getValue().offset())
          .collect(Collectors.joining(","));
    }
  }

  /** Parses {@code partition:offset,...} for {@code topic}. */
  public static Map<TopicPartition, Long> parse(String topic, String text) {
    Map<TopicPartition, Long> out = new LinkedHashMap<>();
    for (String part : text.split(",")) {
      String[] po = part.trim().split(":");
      if (po.length != 2 || !po[0].matches("\\d+") || !po[1].matches("\\d+")) {
        throw new IllegalArgumentException(
            "tlalign.kafka.bounded.end-offsets \""
                + text
                + "\" is not partition:offset[,partition:offset...], e.g. 0:1000,1:998");
      }
      out.put(new TopicPartition(topic, Integer.parseInt(po[0])), Long.parseLong(po[1]));
    }
    return out;
  }
}
