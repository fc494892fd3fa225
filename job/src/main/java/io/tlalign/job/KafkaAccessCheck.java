package io.tlalign.job;

import io.tlalign.job.kafka.ExactlyOnceKafkaSink;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Tries, before the job is submitted, what the job will do on Kafka: connect and authenticate,
 * create its missing topics, and read the operations its user is allowed on each topic, consumer
 * group and transactional id. Flink restarts a job that fails on an authentication or ACL error,
 * again and again; this check fails once, in one line that names what was refused and the fix.
 *
 * <p>Describing ACLs needs rights an ordinary user does not have, so the check asks what the user
 * may do ({@code includeAuthorizedOperations}) and tries a transactional id lookup instead.
 */
public final class KafkaAccessCheck {

  /** How long the check waits for Kafka to answer at all. */
  static final int TIMEOUT_MS = 15_000;

  /** The suffix of the transactional ids looked up; never used by a producer. */
  private static final String ACCESS_CHECK = "access-check";

  private KafkaAccessCheck() {}

  /**
   * Connects, creates the job's missing topics ({@link JobTopics#ensure}) and checks its rights.
   *
   * @throws KafkaAccessException naming what Kafka refused and the fix
   */
  public static void verify(ReadableConfig conf) {
    KafkaClients kafka = KafkaClients.from(conf);
    try (Admin admin = Admin.create(adminConfig(kafka))) {
      connect(admin, kafka);
      JobTopics.ensure(conf);
      List<String> missing = new ArrayList<>();
      topics(admin, requiredTopicOperations(conf), missing);
      groups(admin, groups(conf), missing);
      transactionalIds(admin, transactionalIdProbes(conf), missing);
      if (!missing.isEmpty()) {
        throw new KafkaAccessException(
            "Kafka denies the job's user (at "
                + kafka.bootstrapServers()
                + ") "
                + String.join("; ", missing)
                + ". Grant the missing operations with ACLs (kafka-acls --add --allow-principal"
                + " User:<user> --operation <op> --topic|--group|--transactional-id <name>, or"
                + " a Strimzi KafkaUser), then run again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking Kafka access", e);
    }
  }

  /** Topic -> what the job does there, for the options in {@code conf}. */
  public static Map<String, Set<AclOperation>> requiredTopicOperations(ReadableConfig conf) {
    Map<String, Set<AclOperation>> out = new LinkedHashMap<>();
    add(out, conf.get(TlAlignOptions.TRAIN_TOPIC), AclOperation.READ);
    add(out, conf.get(TlAlignOptions.DEAD_LETTER_TOPIC), AclOperation.WRITE);
    add(out, conf.get(TlAlignOptions.METRICS_TOPIC), AclOperation.WRITE);
    boolean publishes = conf.getOptional(TlAlignOptions.MODEL_STORE).isPresent();
    if (publishes) {
      add(out, conf.get(TlAlignOptions.MODELS_TOPIC), AclOperation.WRITE);
    }
    if (evaluates(conf)) {
      add(out, conf.get(TlAlignOptions.EVAL_TOPIC), AclOperation.READ);
      add(out, conf.get(TlAlignOptions.MODELS_TOPIC), AclOperation.READ);
    }
    if (conf.get(TlAlignOptions.REPLICAS) > 1) {
      add(out, conf.get(TlAlignOptions.SYNC_TOPIC), AclOperation.READ);
      add(out, conf.get(TlAlignOptions.SYNC_TOPIC), AclOperation.WRITE);
    }
    return out;
  }

  /** The consumer groups the job's sources use. */
  public static List<String> groups(ReadableConfig conf) {
    String group = conf.get(TlAlignOptions.GROUP_ID);
    return evaluates(conf) ? List.of(group, group + "-eval", group + "-models") : List.of(group);
  }

  /**
   * Transactional ids the check looks up: one under each prefix of the job's exactly-once sinks
   * ({@link ExactlyOnceKafkaSink#transactionalIdPrefix}), the sync sink's only with replicas.
   */
  static List<String> transactionalIdProbes(ReadableConfig conf) {
    String group = conf.get(TlAlignOptions.GROUP_ID);
    List<String> sinks = new ArrayList<>(List.of("deadletter", "metrics"));
    if (conf.get(TlAlignOptions.REPLICAS) > 1) {
      sinks.add("sync");
    }
    List<String> out = new ArrayList<>();
    for (String sink : sinks) {
      out.add(ExactlyOnceKafkaSink.transactionalIdPrefix(sink, group) + "-" + ACCESS_CHECK);
    }
    return out;
  }

  private static boolean evaluates(ReadableConfig conf) {
    return conf.get(TlAlignOptions.EVAL_ENABLED) && !conf.get(TlAlignOptions.BOUNDED);
  }

  private static void add(Map<String, Set<AclOperation>> out, String topic, AclOperation op) {
    out.computeIfAbsent(topic, t -> EnumSet.noneOf(AclOperation.class)).add(op);
  }

  static Map<String, Object> adminConfig(KafkaClients kafka) {
    return kafka.buildMap(
        Map.of(
            AdminClientConfig.CLIENT_ID_CONFIG, "tlalign-access-check",
            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(TIMEOUT_MS / 2),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(TIMEOUT_MS)));
  }

  /**
   * Connects and authenticates, and nothing more: for tools (replay) that need no job rights.
   *
   * @throws KafkaAccessException on refused credentials, a failed TLS handshake, or a listener that
   *     does not answer this client's protocol
   */
  public static void connect(KafkaClients kafka) throws InterruptedException {
    try (Admin admin = Admin.create(adminConfig(kafka))) {
      connect(admin, kafka);
    }
  }

  /**
   * Fails fast on refused credentials, a failed TLS handshake, or a listener that does not answer
   * this client's protocol.
   */
  static void connect(Admin admin, KafkaClients kafka) throws InterruptedException {
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS))
          .clusterId()
          .get(TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new KafkaAccessException(kafka.redact(connectFailure(kafka, cause)), null);
    }
  }

  static String connectFailure(KafkaClients kafka, Throwable cause) {
    String at = "Kafka at " + kafka.bootstrapServers();
    if (cause instanceof SaslAuthenticationException) {
      return at
          + " refused the client's credentials: authentication failed ("
          + oneLine(cause)
          + "); check the SASL user name and password (sasl.jaas.config) in --kafka-config or"
          + " tlalign.kafka.properties.sasl.jaas.config";
    }
    if (cause instanceof SslAuthenticationException) {
      return "the TLS handshake with "
          + at
          + " failed: authentication failed ("
          + oneLine(cause)
          + "); check ssl.truststore.location and ssl.truststore.password (the cluster's CA)";
    }
    if (cause instanceof AuthenticationException) {
      return at + " refused the client: authentication failed (" + oneLine(cause) + ")";
    }
    String protocol = kafka.securityProtocol();
    if (!protocol.endsWith("SSL")) {
      for (String server : kafka.bootstrapServers().split(",")) {
        if (speaksTls(server.trim())) {
          return at
              + " did not answer within "
              + TIMEOUT_MS / 1000
              + " s: "
              + server.trim()
              + " is a TLS listener but this client uses security.protocol="
              + protocol
              + "; set security.protocol=SSL or SASL_SSL (in --kafka-config, or -D"
              + " tlalign.kafka.properties.security.protocol=SASL_SSL) with the cluster's CA in"
              + " ssl.truststore.location";
        }
      }
    }
    return at
        + " did not answer within "
        + TIMEOUT_MS / 1000
        + " s with security.protocol="
        + protocol
        + " ("
        + oneLine(cause)
        + "); check --bootstrap-servers and that the listener there uses this protocol";
  }

  /** Whether {@code host:port} completes a TLS handshake (any certificate: this only detects). */
  static boolean speaksTls(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new DetectOnly()}, null);
      try (Socket plain = new Socket()) {
        plain.connect(
            new InetSocketAddress(
                hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
            3_000);
        plain.setSoTimeout(3_000);
        try (SSLSocket tls =
            (SSLSocket)
                ctx.getSocketFactory()
                    .createSocket(plain, hostPort.substring(0, colon), plain.getPort(), false)) {
          tls.startHandshake();
          return true;
        }
      }
    } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
      return false;
    }
  }

  private static void topics(
      Admin admin, Map<String, Set<AclOperation>> required, List<String> missing)
      throws InterruptedException {
    Map<String, KafkaFuture<TopicDescription>> described =
        admin
            .describeTopics(
                required.keySet(), new DescribeTopicsOptions().includeAuthorizedOperations(true))
            .topicNameValues();
    for (Map.Entry<String, Set<AclOperation>> e : required.entrySet()) {
      Set<AclOperation> allowed;
      try {
        allowed =
            described.get(e.getKey()).get(TIMEOUT_MS, TimeUnit.MILLISECONDS).authorizedOperations();
      } catch (ExecutionException failed) {
        if (failed.getCause() instanceof TopicAuthorizationException) {
          allowed = Set.of();
        } else if (failed.getCause() instanceof UnknownTopicOrPartitionException) {
          continue; // just created; the job waits for its metadata
        } else {
          throw new KafkaAccessException(
              "cannot describe topic " + e.getKey() + ": " + oneLine(failed), failed);
        }
      } catch (java.util.concurrent.TimeoutException slow) {
        throw new KafkaAccessException(
            "Kafka did not describe topic " + e.getKey() + " within " + TIMEOUT_MS / 1000 + " s",
            slow);
      }
      if (allowed == null) {
        continue; // the broker does not report operations
      }
      for (AclOperation op : e.getValue()) {
        if (!allowed.contains(op)) {
          missing.add(op + " on topic " + e.getKey() + " (" + why(op) + ")");
        }
      }
    }
  }

  private static String why(AclOperation op) {
    return op == AclOperation.WRITE ? "the job writes there" : "the job reads it";
  }

  private static void groups(Admin admin, List<String> groups, List<String> missing)
      throws InterruptedException {
    Map<String, KafkaFuture<ConsumerGroupDescription>> described =
        admin
            .describeConsumerGroups(
                groups, new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
            .describedGroups();
    for (String group : groups) {
      try {
        Set<AclOperation> allowed =
            described.get(group).get(TIMEOUT_MS, TimeUnit.MILLISECONDS).authorizedOperations();
        if (allowed != null && !allowed.contains(AclOperation.READ)) {
          missing.add("READ on consumer group " + group + " (the job's source commits offsets)");
        }
      } catch (ExecutionException failed) {
        if (failed.getCause() instanceof GroupAuthorizationException) {
          missing.add("READ on consumer group " + group + " (the job's source commits offsets)");
        }
        // Another error (e.g. a group that does not exist yet) is not a refusal.
      } catch (java.util.concurrent.TimeoutException slow) {
        // Not an access problem; the job reports what follows.
      }
    }
  }

  private static void transactionalIds(Admin admin, List<String> ids, List<String> missing)
      throws InterruptedException {
    for (String id : ids) {
      try {
        admin
            .describeTransactions(List.of(id))
            .description(id)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException failed) {
        if (failed.getCause() instanceof TransactionalIdAuthorizationException) {
          String prefix = id.substring(0, id.length() - ACCESS_CHECK.length());
          missing.add(
              "WRITE on transactional ids starting "
                  + prefix
                  + " (the job's exactly-once sinks; a prefixed ACL on tlalign- covers them)");
        }
        // TransactionalIdNotFoundException: allowed, and unused so far. Coordinator trouble is
        // not a refusal; the job's own producers report it.
      } catch (java.util.concurrent.TimeoutException slow) {
        // As above.
      }
    }
  }

  /** The innermost cause's message, first line only. */
  static String oneLine(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage();
    if (msg == null || msg.isBlank()) {
      return root.getClass().getSimpleName();
    }
    return msg.lines().findFirst().orElse(msg);
  }

  /** Accepts any certificate: used only to tell a TLS listener from a plaintext one. */
  private static final class DetectOnly implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
