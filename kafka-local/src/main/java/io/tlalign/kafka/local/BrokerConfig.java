package io.tlalign.kafka.local;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code server.properties} of the local broker: one KRaft node that is broker and controller,
 * on 127.0.0.1 only, sized for one machine (one partition and one replica by default, internal
 * topics with one replica, no rebalance delay, messages large enough for images).
 */
final class BrokerConfig {

  /** The node id of the only node. */
  static final int NODE_ID = 1;

  /** Default {@code message.max.bytes}: room for large images. */
  static final int DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

  /** Kafka's default {@code message.max.bytes} is about 1 MB; never go below it. */
  static final int MIN_MAX_MESSAGE_BYTES = 1024 * 1024;

  private BrokerConfig() {}

  /**
   * The broker's properties, in file order; {@code overrides} replace or add lines.
   *
   * @param dir the broker's own folder; data goes to {@code dir/data}
   */
  static Map<String, String> serverProperties(
      Path dir, int port, int controllerPort, int maxMessageBytes, Map<String, String> overrides) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(NODE_ID));
    p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
    p.put(
        "listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    // A lone voter has nobody to wait for: elect it at once instead of after 1-2 s.
    p.put("controller.quorum.election.timeout.ms", "200");
    p.put("log.dirs", dir.resolve("data").toAbsolutePath().toString());

    p.put("num.partitions", "1");
    p.put("default.replication.factor", "1");
    p.put("min.insync.replicas", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");

    p.put("message.max.bytes", Integer.toString(maxMessageBytes));
    p.put("replica.fetch.max.bytes", Integer.toString(maxMessageBytes));
    p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
    // The cleaner (for the compacted offsets topic) allocates this up front; 128 MB by default.
    p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
    p.put("num.network.threads", "2");
    p.put("num.io.threads", "4");
    p.put("num.recovery.threads.per.data.dir", "1");
    p.putAll(overrides);
    return p;
  }
}
