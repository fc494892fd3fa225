package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.cli.Main;
import io.tlalign.kafka.local.BrokerSecurity;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system against a secured broker: SASL_SSL with SCRAM-SHA-512 (TLS made at test time with
 * keytool), the standard authorizer, and users whose ACLs cover exactly one job's topics, groups
 * and transactional ids. {@code replay} and {@code train} run through the real command line with
 * {@code --kafka-config}; the trainer's credentials reach the clients through Kafka's file config
 * provider only. Refusals (wrong password, a missing ACL, a PLAINTEXT client at the TLS listener)
 * end the command in bounded time with one line that says what was refused.
 */
class SecuredKafkaITCase {

  @RegisterExtension static final LocalKafka KAFKA = LocalKafka.secured();

  @TempDir static Path work;

  private static final int IMAGES = 192;
  private static final int BATCH = 32;
  private static final String TRAINER_PASSWORD = "trainer-" + UUID.randomUUID();
  private static final String NO_DL_PASSWORD = "nodl-" + UUID.randomUUID();

  private static BrokerSecurity security;
  private static Path adminConfig;
  private static String trainTopic;

  /** One job's topics and group; its transactional ids are tlalign-<sink>-<group>. */
  record JobNames(String run) {
    String deadletter() {
      return "sec.deadletter." + run;
    }

    String metrics() {
      return "sec.metrics." + run;
    }

    String models() {
      return "sec.models." + run;
    }

    String eval() {
      return "sec.eval." + run;
    }

    String group() {
      return "tlalign-sec-" + run;
    }

    List<String> dynamic() {
      return List.of(
          "-D", "tlalign.topic.train=" + trainTopic,
          "-D", "tlalign.topic.deadletter=" + deadletter(),
          "-D", "tlalign.topic.metrics=" + metrics(),
          "-D", "tlalign.topic.models=" + models(),
          "-D", "tlalign.topic.eval=" + eval(),
          "-D", "tlalign.kafka.group-id=" + group());
    }
  }

  @BeforeAll
  static void replayAsAdmin() throws Exception {
    security = KAFKA.broker().security().orElseThrow();
    adminConfig = write("admin.properties", security.adminClientProperties());
    trainTopic = "sec.train." + UUID.randomUUID().toString().substring(0, 8);
    Result replay =
        cli(
            "replay",
            "--dataset",
            "fashion-mnist",
            "--path",
            FashionMnistFiles.DIR.toString(),
            "--limit",
            Integer.toString(IMAGES),
            "--topic",
            trainTopic,
            "--bootstrap-servers",
            KAFKA.bootstrapServers(),
            "--kafka-config",
            adminConfig.toString());
    assertThat(replay.code()).as(replay.toString()).isZero();
    assertThat(replay.out()).contains("records=" + IMAGES + " failed=0");
    // Three records no decoder takes: they must reach the dead-letter topic.
    try (KafkaTestClient admin =
        new KafkaTestClient(KAFKA.bootstrapServers(), security.adminClientProperties())) {
      for (int i = 0; i < 3; i++) {
        admin.send(trainTopic, "bad-" + i, ("not an image " + i).getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  @Test
  void trainsDeadLettersAndPublishesAsAUserWithExactlyItsAcls() throws Exception {
    JobNames job = new JobNames("ok" + UUID.randomUUID().toString().substring(0, 6));
    KAFKA.broker().createScramUser("trainer", TRAINER_PASSWORD);
    grant("trainer", job, true);
    // Credentials only as config provider references: the job graph carries no secret.
    Path secrets =
        write(
            "trainer-secrets.properties",
            Map.of(
                "jaas", BrokerSecurity.jaas("trainer", TRAINER_PASSWORD),
                "truststore", security.truststorePassword()));
    Map<String, String> client = new LinkedHashMap<>();
    client.put("security.protocol", "SASL_SSL");
    client.put("sasl.mechanism", "SCRAM-SHA-512");
    client.put("config.providers", "file");
    client.put(
        "config.providers.file.class",
        "org.apache.kafka.common.config.provider.FileConfigProvider");
    client.put("sasl.jaas.config", "${file:" + secrets + ":jaas}");
    client.put("ssl.truststore.location", security.truststore().toString());
    client.put("ssl.truststore.password", "${file:" + secrets + ":truststore}");
    client.put("ssl.truststore.type", "PKCS12");
    Path config = write("trainer.properties", client);
    assertThat(Files.readString(config)).doesNotContain(TRAINER_PASSWORD);

    long t0 = System.nanoTime();
    Result train = train(config, job, "--model-store", work.resolve("models").toUri().toString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("secured train: %.1f s%n", seconds);

    assertThat(train.code()).as(train.toString()).isZero();
    assertThat(train.out()).contains("train: finished at step " + IMAGES / BATCH);
    // The trainer may write dead letters but not read them back: the summary says so instead of
    // failing a finished run.
    assertThat(train.all()).contains("dead_letters=unknown");
    assertThat(train.all()).doesNotContain(TRAINER_PASSWORD, security.truststorePassword());
    try (KafkaTestClient admin =
        new KafkaTestClient(KAFKA.bootstrapServers(), security.adminClientProperties())) {
      assertThat(admin.readAll(job.deadletter())).as("dead letters").hasSize(3);
      assertThat(admin.readAll(job.metrics())).as("a metric per step").hasSize(IMAGES / BATCH);
      var refs = admin.readAll(job.models());
      assertThat(refs).as("published models").isNotEmpty();
      ModelRef last = AvroRecordCodec.forModelRef().decode(refs.get(refs.size() - 1).value());
      assertThat(last.getStep()).isEqualTo(IMAGES / BATCH);
      assertThat(Path.of(java.net.URI.create(last.getUri()))).isRegularFile();
    }
  }

  @Test
  void replayWritesToAnExistingTopicWithWriteAloneAndSaysWhatIsMissingOtherwise() throws Exception {
    String topic = "sec.replay." + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Object> conf = new LinkedHashMap<>(security.adminClientProperties());
    conf.put("bootstrap.servers", KAFKA.bootstrapServers());
    try (Admin admin = Admin.create(conf)) {
      admin
          .createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      // As a Strimzi KafkaUser for the replay: WRITE on its (managed) topic, no CREATE.
      admin
          .createAcls(List.of(topic(topic, "User:replayer", AclOperation.WRITE)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    String password = "replayer-" + UUID.randomUUID();
    KAFKA.broker().createScramUser("replayer", password);
    Map<String, String> client = new LinkedHashMap<>(security.adminClientProperties());
    client.put("sasl.jaas.config", BrokerSecurity.jaas("replayer", password));
    Path config = write("replayer.properties", client);
    String[] common = {
      "replay",
      "--dataset",
      "fashion-mnist",
      "--path",
      FashionMnistFiles.DIR.toString(),
      "--limit",
      "10",
      "--bootstrap-servers",
      KAFKA.bootstrapServers(),
      "--kafka-config",
      config.toString(),
      "--topic"
    };
    List<String> ok = new ArrayList<>(List.of(common));
    ok.add(topic);
    Result written = cli(ok.toArray(String[]::new));
    assertThat(written.code()).as(written.toString()).isZero();
    assertThat(written.out()).contains("records=10 failed=0 topic=" + topic);

    List<String> refused = new ArrayList<>(List.of(common));
    refused.add(topic + ".elsewhere");
    Result denied = cli(refused.toArray(String[]::new));
    System.out.println("replay without CREATE: " + denied.err().strip());
    assertThat(denied.code()).isEqualTo(1);
    assertThat(denied.err())
        .contains("cannot create topic " + topic + ".elsewhere")
        .contains("lacks CREATE")
        .doesNotContain(password);
  }

  @Test
  void aWrongPasswordFailsFastSayingAuthenticationFailed() throws Exception {
    JobNames job = new JobNames("pw" + UUID.randomUUID().toString().substring(0, 6));
    KAFKA.broker().createScramUser("trainer", TRAINER_PASSWORD);
    grant("trainer", job, true);
    Map<String, String> client = new LinkedHashMap<>(security.adminClientProperties());
    client.put("sasl.jaas.config", BrokerSecurity.jaas("trainer", "wrong-password-123"));
    Path config = write("wrong.properties", client);

    long t0 = System.nanoTime();
    Result train = train(config, job);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("wrong password: %.1f s: %s%n", seconds, train.err().strip());

    assertThat(train.code()).isEqualTo(1);
    assertThat(train.err())
        .contains("train: error: Kafka at " + KAFKA.bootstrapServers())
        .contains("authentication failed")
        .contains("sasl.jaas.config")
        .doesNotContain("wrong-password-123", "\tat ", "Exception");
    assertThat(train.err().strip().lines()).hasSize(1);
    assertThat(seconds).isLessThan(30);
  }

  @Test
  void aUserWithoutWriteOnTheDeadLetterTopicIsRefusedBeforeTheJobStarts() throws Exception {
    JobNames job = new JobNames("dl" + UUID.randomUUID().toString().substring(0, 6));
    KAFKA.broker().createScramUser("nodl", NO_DL_PASSWORD);
    grant("nodl", job, false);
    Map<String, String> client = new LinkedHashMap<>(security.adminClientProperties());
    client.put("sasl.jaas.config", BrokerSecurity.jaas("nodl", NO_DL_PASSWORD));
    Path config = write("nodl.properties", client);

    long t0 = System.nanoTime();
    Result train = train(config, job);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("no WRITE on dead letters: %.1f s: %s%n", seconds, train.err().strip());

    assertThat(train.code()).isEqualTo(1);
    assertThat(train.err())
        .contains("WRITE on topic " + job.deadletter())
        .doesNotContain("on topic " + job.metrics())
        .doesNotContain("on topic " + trainTopic)
        .doesNotContain(NO_DL_PASSWORD, "\tat ");
    assertThat(train.err().strip().lines()).hasSize(1);
    assertThat(seconds).isLessThan(60);
    assertThat(train.out()).doesNotContain("finished");
    // The injected gap is real: the same user's producer is refused on that topic.
    Properties p = new Properties();
    p.putAll(client);
    p.put("bootstrap.servers", KAFKA.bootstrapServers());
    p.put("max.block.ms", "20000");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      assertThatThrownBy(
              () ->
                  producer
                      .send(new ProducerRecord<>(job.deadletter(), new byte[] {1}))
                      .get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void aPlaintextClientAtTheTlsListenerIsRefusedInBoundedTime() throws Exception {
    JobNames job = new JobNames("pt" + UUID.randomUUID().toString().substring(0, 6));
    List<String> args = new ArrayList<>(List.of("train", "--bootstrap-servers"));
    args.add(KAFKA.bootstrapServers());
    args.addAll(List.of("--bounded", "--checkpoint-dir", checkpoints(job)));
    args.addAll(job.dynamic());

    long t0 = System.nanoTime();
    Result train = cli(args.toArray(String[]::new));
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("PLAINTEXT at TLS: %.1f s: %s%n", seconds, train.err().strip());

    assertThat(train.code()).isEqualTo(1);
    assertThat(train.err())
        .contains(KAFKA.bootstrapServers() + " is a TLS listener")
        .contains("security.protocol=PLAINTEXT")
        .contains("set security.protocol=SSL or SASL_SSL")
        .doesNotContain("\tat ");
    assertThat(seconds).isLessThan(45);
  }

  // ---- helpers ----

  private static Result train(Path config, JobNames job, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("train", "--bootstrap-servers"));
    args.add(KAFKA.bootstrapServers());
    args.addAll(
        List.of(
            "--kafka-config",
            config.toString(),
            "--bounded",
            "--batch-size",
            Integer.toString(BATCH),
            "--total-steps",
            "20",
            "--warmup-steps",
            "2",
            "--checkpoint-interval",
            "1s",
            "--checkpoint-dir",
            checkpoints(job),
            "-D",
            "tlalign.decode.parallelism=1",
            "-D",
            "tlalign.metrics.every-steps=1"));
    args.addAll(List.of(extra));
    args.addAll(job.dynamic());
    return cli(args.toArray(String[]::new));
  }

  private static String checkpoints(JobNames job) {
    return work.resolve("checkpoints-" + job.run()).toUri().toString();
  }

  /**
   * ACLs for exactly one job: READ on the train topic, WRITE on what it writes, CREATE on the
   * topics it creates, READ on its group, WRITE on transactional ids starting tlalign-.
   */
  private static void grant(String user, JobNames job, boolean deadLetterWrite) throws Exception {
    String principal = "User:" + user;
    List<AclBinding> acls = new ArrayList<>();
    acls.add(topic(trainTopic, principal, AclOperation.READ));
    for (String t : List.of(job.deadletter(), job.metrics(), job.models(), job.eval())) {
      acls.add(topic(t, principal, AclOperation.CREATE));
    }
    if (deadLetterWrite) {
      acls.add(topic(job.deadletter(), principal, AclOperation.WRITE));
    }
    acls.add(topic(job.metrics(), principal, AclOperation.WRITE));
    acls.add(topic(job.models(), principal, AclOperation.WRITE));
    acls.add(
        new AclBinding(
            new ResourcePattern(ResourceType.GROUP, job.group(), PatternType.LITERAL),
            allow(principal, AclOperation.READ)));
    acls.add(
        new AclBinding(
            new ResourcePattern(ResourceType.TRANSACTIONAL_ID, "tlalign-", PatternType.PREFIXED),
            allow(principal, AclOperation.WRITE)));
    Map<String, Object> conf = new LinkedHashMap<>(security.adminClientProperties());
    conf.put("bootstrap.servers", KAFKA.bootstrapServers());
    try (Admin admin = Admin.create(conf)) {
      admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
    }
  }

  private static AclBinding topic(String name, String principal, AclOperation op) {
    return new AclBinding(
        new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL), allow(principal, op));
  }

  private static AccessControlEntry allow(String principal, AclOperation op) {
    return new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW);
  }

  private static Path write(String name, Map<String, String> properties) throws Exception {
    Path f = work.resolve(name);
    StringBuilder text = new StringBuilder();
    properties.forEach(
        (k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  record Result(int code, String out, String err) {
    String all() {
      return out + err;
    }
  }

  private static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
