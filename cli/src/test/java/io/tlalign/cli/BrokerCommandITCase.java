package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tlalign broker} in its own JVM, as the launcher runs it: a real broker that serves a
 * producer and a consumer, and stops on SIGTERM ({@link Process#destroy}) with exit status 143 (128
 * + 15, a JVM ended by SIGTERM after its shutdown hooks), leaving no broker process behind; its
 * temporary folder is deleted, a {@code --dir} folder is kept and reused by the next run.
 */
class BrokerCommandITCase {

  private static final String READY = "broker: bootstrap-servers=";
  private static final Duration START = Duration.ofSeconds(120);
  private static final int SIGTERM_STATUS = 128 + 15;

  @TempDir Path tmp;

  @Test
  void servesClientsAndOnSigtermStopsTheBrokerAndDeletesItsTempFolder() throws Exception {
    Path jvmTmp = Files.createDirectories(tmp.resolve("jvm-tmp"));
    try (Child broker = new Child(jvmTmp, "broker")) {
      String bootstrap = broker.awaitBootstrap();
      assertThat(bootstrap).matches("127\\.0\\.0\\.1:\\d+");
      List<ProcessHandle> children = broker.process.descendants().toList();
      assertThat(children)
          .as("the broker JVM under the command, output %s", broker.lines)
          .isNotEmpty();
      assertThat(kafkaFolders(jvmTmp)).as("the temporary broker folder").hasSize(1);

      createTopic(bootstrap, "broker-it");
      produce(bootstrap, "broker-it", "k1", "hello");
      assertThat(consume(bootstrap, "broker-it", 1)).containsExactly("k1=hello");

      broker.process.destroy(); // SIGTERM
      assertThat(broker.process.waitFor(30, TimeUnit.SECONDS))
          .as("exits within 30 s of SIGTERM; output %s", broker.lines)
          .isTrue();
      assertThat(broker.process.exitValue())
          .as("output %s", broker.lines)
          .isEqualTo(SIGTERM_STATUS);
      for (ProcessHandle child : children) {
        assertThat(child.isAlive()).as("broker child pid %d after exit", child.pid()).isFalse();
      }
      assertThat(kafkaFolders(jvmTmp)).as("temporary broker folders after exit").isEmpty();
    }
  }

  @Test
  void aDirIsKeptAtExitAndItsDataServedByTheNextRunOnAFixedPort() throws Exception {
    Path jvmTmp = Files.createDirectories(tmp.resolve("jvm-tmp"));
    Path dir = tmp.resolve("kept broker");
    try (Child first = new Child(jvmTmp, "broker", "--dir", dir.toString())) {
      String bootstrap = first.awaitBootstrap();
      createTopic(bootstrap, "kept");
      produce(bootstrap, "kept", "k1", "first run");
      List<ProcessHandle> children = first.process.descendants().toList();
      first.process.destroy();
      assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).as("output %s", first.lines).isTrue();
      assertThat(first.process.exitValue()).as("output %s", first.lines).isEqualTo(SIGTERM_STATUS);
      children.forEach(c -> assertThat(c.isAlive()).as("pid %d", c.pid()).isFalse());
    }
    assertThat(dir.resolve("server.properties")).isRegularFile();
    assertThat(dir.resolve("data").resolve("meta.properties")).isRegularFile();
    assertThat(dir.resolve("logs").resolve("server.log")).isRegularFile();
    assertThat(kafkaFolders(jvmTmp)).isEmpty();

    int port = freePort();
    try (Child second =
        new Child(jvmTmp, "broker", "--dir", dir.toString(), "--port", Integer.toString(port))) {
      String bootstrap = second.awaitBootstrap();
      assertThat(bootstrap).isEqualTo("127.0.0.1:" + port);
      assertThat(second.lines).anyMatch(l -> l.contains("its earlier data reused"));
      assertThat(consume(bootstrap, "kept", 1)).containsExactly("k1=first run");
      second.process.destroy();
      assertThat(second.process.waitFor(30, TimeUnit.SECONDS))
          .as("output %s", second.lines)
          .isTrue();
      assertThat(second.process.exitValue())
          .as("output %s", second.lines)
          .isEqualTo(SIGTERM_STATUS);
    }
    assertThat(dir.resolve("data").resolve("meta.properties")).isRegularFile();
  }

  @Test
  void securedPrintsAClientConfigThatTheSuperUserConnectsWith() throws Exception {
    Path jvmTmp = Files.createDirectories(tmp.resolve("jvm-tmp-secured"));
    try (Child broker = new Child(jvmTmp, "broker", "--secured")) {
      String bootstrap = broker.awaitBootstrap();
      String prefix = "broker: kafka-config=";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      String line = null;
      while (line == null && System.nanoTime() < deadline) {
        synchronized (broker.lines) {
          line = broker.lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
        }
        Thread.sleep(50);
      }
      assertThat(line).as("output %s", broker.lines).isNotNull();
      Path config = Path.of(line.substring(prefix.length()).trim());
      assertThat(java.nio.file.Files.getPosixFilePermissions(config))
          .containsExactlyInAnyOrder(
              java.nio.file.attribute.PosixFilePermission.OWNER_READ,
              java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
      Map<String, String> client = io.tlalign.job.settings.KafkaClients.readFile(config.toString());
      assertThat(client).containsEntry("security.protocol", "SASL_SSL");
      Map<String, Object> conf = new java.util.HashMap<>(client);
      conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      try (Admin admin = Admin.create(conf)) {
        admin
            .createTopics(List.of(new NewTopic("secured-it", 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
        assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("secured-it");
      }
      // Nothing passes without the credentials: the broker enforces ACLs and authentication.
      conf.put("sasl.jaas.config", io.tlalign.kafka.local.BrokerSecurity.jaas("admin", "not-it"));
      try (Admin admin = Admin.create(conf)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS))
            .hasRootCauseInstanceOf(
                org.apache.kafka.common.errors.SaslAuthenticationException.class);
      }
    }
  }

  @Test
  void badArgumentsNameTheValueAndTheFix() throws Exception {
    Result securedDir =
        runInProcess("broker", "--secured", "--dir", tmp.resolve("kept").toString());
    assertThat(securedDir.code).isEqualTo(2);
    assertThat(securedDir.err).startsWith("--secured makes fresh credentials");

    Result range = runInProcess("broker", "--port", "70000");
    assertThat(range.code).isEqualTo(2);
    assertThat(range.err.lines().findFirst().orElse(""))
        .isEqualTo(
            "--port 70000 is out of range; pick a port from 1 to 65535 (e.g. --port 9092), or"
                + " leave --port out for a free one");

    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int p = taken.getLocalPort();
      Result busy = runInProcess("broker", "--port", Integer.toString(p));
      assertThat(busy.code).isEqualTo(2);
      assertThat(busy.err).startsWith("--port " + p + " is busy on 127.0.0.1; ");
    }

    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    Result notDir = runInProcess("broker", "--dir", file.toString());
    assertThat(notDir.code).isEqualTo(2);
    assertThat(notDir.err).startsWith("--dir " + file + " is not a folder; ");

    Path other = Files.createDirectories(tmp.resolve("other"));
    Files.writeString(other.resolve("notes.txt"), "mine");
    Result foreign = runInProcess("broker", "--dir", other.toString());
    assertThat(foreign.code).isEqualTo(2);
    assertThat(foreign.err).startsWith("--dir " + other + " holds other files and no broker");
  }

  private record Result(int code, String err) {}

  private static Result runInProcess(String... args) {
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    return new Result(cl.execute(args), err.toString());
  }

  /** {@code java ... io.tlalign.cli.Main args}, with the launcher's system properties. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<String> bootstrap = new CompletableFuture<>();

    Child(Path jvmTmp, String... args) throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Djava.io.tmpdir=" + jvmTmp);
      cmd.add("-Dai.djl.offline=true");
      cmd.add("-Dtlalign.kafka.lib=" + System.getProperty("tlalign.kafka.lib"));
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("io.tlalign.cli.Main");
      cmd.addAll(List.of(args));
      process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String line;
                  while ((line = in.readLine()) != null) {
                    lines.add(line);
                    if (line.startsWith(READY)) {
                      bootstrap.complete(line.substring(READY.length()).trim());
                    }
                  }
                } catch (IOException e) {
                  // the process is gone
                }
                bootstrap.completeExceptionally(
                    new AssertionError("no '" + READY + "' line; output: " + lines));
              },
              "broker-command-output");
      reader.setDaemon(true);
      reader.start();
    }

    String awaitBootstrap() throws Exception {
      return bootstrap.get(START.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
      }
    }
  }

  private static List<Path> kafkaFolders(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("kafka-")).toList();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void createTopic(String bootstrap, String topic) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static void produce(String bootstrap, String topic, String key, String value)
      throws Exception {
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new StringSerializer(),
            new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> consume(String bootstrap, String topic, int expected) {
    List<String> got = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
            new StringDeserializer(),
            new StringDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (got.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
          got.add(r.key() + "=" + r.value());
        }
      }
    }
    return got;
  }
}
