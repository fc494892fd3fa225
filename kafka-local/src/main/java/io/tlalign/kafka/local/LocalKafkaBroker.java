package io.tlalign.kafka.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;

/**
 * A real single-node Kafka broker for tests, the demo and local runs: KRaft mode, one process that
 * is both broker and controller, no ZooKeeper, no Docker, nothing downloaded.
 *
 * <p>The broker runs in a forked JVM ({@code java -cp <lib>/* kafka.Kafka server.properties}) from
 * the jars that the {@code kafka-local} module copies into {@code kafka-local/target/lib}, so
 * Kafka's server, its Scala runtime and its own kafka-clients never meet the job's classpath. It
 * listens on free ports of 127.0.0.1 only and keeps its data in a fresh folder that {@link #close}
 * deletes (or, with {@link Builder#directory}, in a folder it keeps, to be reused by the next
 * broker). A JVM shutdown hook closes it too, so Ctrl-C never leaves a broker behind (a {@code kill
 * -9} of this JVM does: nothing in Java can prevent that).
 *
 * <pre>{@code
 * try (LocalKafkaBroker kafka = LocalKafkaBroker.builder().dataDir(tmp).start()) {
 *   String bootstrap = kafka.bootstrapServers(); // "127.0.0.1:<port>"
 * }
 * }</pre>
 *
 * <p>{@link #close} is idempotent and thread-safe.
 */
public final class LocalKafkaBroker implements AutoCloseable {

  /** System property naming the folder of broker jars (default: see {@link Builder#kafkaLib}). */
  public static final String LIB_PROPERTY = "tlalign.kafka.lib";

  /** System property the launcher sets to the repository root. */
  static final String ROOT_PROPERTY = "tlalign.root";

  private final BrokerProcess process;
  private final Thread shutdownHook;
  private final Duration startupTime;
  private final BrokerSecurity security;

  private LocalKafkaBroker(
      BrokerProcess process, Thread shutdownHook, Duration startupTime, BrokerSecurity security) {
    this.process = process;
    this.shutdownHook = shutdownHook;
    this.startupTime = startupTime;
    this.security = security;
  }

  /** The TLS material and super user of a {@link Builder#secured} broker; empty otherwise. */
  public java.util.Optional<BrokerSecurity> security() {
    return java.util.Optional.ofNullable(security);
  }

  /**
   * The client properties of the super user ({@link BrokerSecurity#adminClientProperties}) on a
   * secured broker; none on a plaintext one.
   */
  public Map<String, String> adminClientProperties() {
    return security == null ? Map.of() : security.adminClientProperties();
  }

  /**
   * Creates (or changes the password of) a SCRAM-SHA-512 user, as the super user, through the Admin
   * API ({@code alterUserScramCredentials}: KRaft keeps SCRAM credentials in its metadata).
   */
  public void createScramUser(String user, String password) {
    if (security == null) {
      throw new IllegalStateException("a plaintext broker has no users; build it with secured()");
    }
    Map<String, Object> conf = new LinkedHashMap<>(security.adminClientProperties());
    conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (Admin admin = Admin.create(conf)) {
      admin
          .alterUserScramCredentials(
              List.of(
                  new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(
                      user,
                      new org.apache.kafka.clients.admin.ScramCredentialInfo(
                          org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 8192),
                      password)))
          .all()
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating user " + user, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create SCRAM user " + user + ": " + e, e);
    }
  }

  /** A builder with defaults for a small local broker. */
  public static Builder builder() {
    return new Builder();
  }

  /** {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + process.port();
  }

  /** The broker's client port on 127.0.0.1. */
  public int port() {
    return process.port();
  }

  /** The broker process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the broker process is still running. */
  public boolean isRunning() {
    return process.isAlive();
  }

  /** From the start of the storage format to the broker answering describeCluster. */
  public Duration startupTime() {
    return startupTime;
  }

  /**
   * The broker's own folder (config, data, logs); deleted by {@link #close} unless it was given
   * with {@link Builder#directory}.
   */
  public Path directory() {
    return process.dir();
  }

  /** The broker's log file; gone after {@link #close} unless {@link Builder#logDir} put it. */
  public Path logFile() {
    return process.logFile();
  }

  /**
   * Stops the broker (SIGTERM; after a grace period SIGKILL to it and its descendants), waits for
   * it to exit and deletes its folder (one given with {@link Builder#directory} is kept). Safe to
   * call more than once and from any thread.
   */
  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The JVM is shutting down and its hook stops the broker; stopping here too is harmless.
    }
    process.stopAndDelete();
  }

  /** Whether {@code port} of 127.0.0.1 can be bound now (nothing listens there). */
  public static boolean isPortFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "LocalKafkaBroker[" + bootstrapServers() + ", pid " + pid() + "]";
  }

  /** Builds and starts a {@link LocalKafkaBroker}. Every setting has a default. */
  public static final class Builder {

    private Path dataDir;
    private Path directory;
    private Path logDir;
    private int port;
    private Path kafkaLib;
    private Duration startupTimeout = Duration.ofSeconds(60);
    private int maxMessageBytes = BrokerConfig.DEFAULT_MAX_MESSAGE_BYTES;
    private List<String> jvmOptions = BrokerProcess.DEFAULT_JVM_OPTIONS;
    private boolean classDataSharing = true;
    private boolean secured;
    private final Map<String, String> overrides = new LinkedHashMap<>();

    private Builder() {}

    /**
     * The folder under which the broker makes its own fresh folder (default: {@code
     * java.io.tmpdir}). Created when missing.
     */
    public Builder dataDir(Path parent) {
      this.dataDir = Objects.requireNonNull(parent, "dataDir");
      return this;
    }

    /**
     * Where the broker writes its log ({@code server.log}), kept by {@link #close} (default: {@code
     * logs/} in the broker's folder). A one-machine run keeps it in its run folder.
     */
    public Builder logDir(Path dir) {
      this.logDir = Objects.requireNonNull(dir, "logDir");
      return this;
    }

    /**
     * The broker's own folder, used as it is and kept by {@link #close} (default: a fresh folder
     * under {@link #dataDir}, deleted by {@link #close}). Created when missing; when it holds the
     * storage of an earlier broker, that storage (topics, records, offsets) is reused, not
     * formatted again. Takes precedence over {@link #dataDir}.
     */
    public Builder directory(Path dir) {
      this.directory = Objects.requireNonNull(dir, "directory");
      return this;
    }

    /** The client port on 127.0.0.1, 1 to 65535 (default 0: a free port). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * The folder of broker jars. Default: the system property {@value #LIB_PROPERTY}; else {@code
     * <tlalign.root>/kafka-local/target/lib}; else {@code kafka-local/target/lib} under the working
     * directory or its parent.
     */
    public Builder kafkaLib(Path lib) {
      this.kafkaLib = Objects.requireNonNull(lib, "kafkaLib");
      return this;
    }

    /** How long to wait for the broker to come up (default 60 s). */
    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = Objects.requireNonNull(timeout, "startupTimeout");
      return this;
    }

    /** The broker's {@code message.max.bytes} (default 32 MiB: room for large images). */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = bytes;
      return this;
    }

    /** JVM options of the broker process (default: a small heap and C1 only, for a fast start). */
    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    /**
     * Whether to keep a class-data-sharing archive of the broker's classes next to its jars
     * (default true): the first broker writes it as it stops, later ones start about 2 s faster.
     * Skipped when the jar folder is not writable.
     */
    public Builder classDataSharing(boolean enabled) {
      this.classDataSharing = enabled;
      return this;
    }

    /**
     * A secured broker (default: plaintext): SASL_SSL with SCRAM-SHA-512 on the client port, TLS
     * made at start with keytool, the standard authorizer with ACLs and a super user; see {@link
     * BrokerSecurity}. Not with {@link #directory}: credentials and certificates are per start.
     */
    public Builder secured() {
      this.secured = true;
      return this;
    }

    /** Sets (or overrides) one line of the broker's {@code server.properties}. */
    public Builder brokerProperty(String key, String value) {
      overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Formats fresh storage and starts the broker, returning once it answers describeCluster.
     *
     * @throws IllegalArgumentException for settings that cannot work, naming the fix
     * @throws KafkaBrokerStartException when the broker does not come up; the message ends with the
     *     tail of its log
     */
    public LocalKafkaBroker start() {
      if (startupTimeout.isNegative() || startupTimeout.isZero()) {
        throw new IllegalArgumentException(
            "startupTimeout must be positive, got "
                + startupTimeout
                + "; try Duration.ofSeconds(60)");
      }
      if (maxMessageBytes < BrokerConfig.MIN_MAX_MESSAGE_BYTES) {
        throw new IllegalArgumentException(
            "maxMessageBytes must be at least "
                + BrokerConfig.MIN_MAX_MESSAGE_BYTES
                + ", got "
                + maxMessageBytes
                + "; leave the default (32 MiB)");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(
            "port must be 1 to 65535 (or 0 for a free port), got " + port);
      }
      if (secured && directory != null) {
        throw new IllegalArgumentException(
            "a secured broker makes fresh credentials and certificates at each start and cannot"
                + " reuse the folder "
                + directory
                + "; leave out directory() or secured()");
      }
      Path lib = resolveLib(kafkaLib);
      long began = System.nanoTime();
      long deadline = began + startupTimeout.toNanos();
      boolean keep = directory != null;
      Path dir;
      if (keep) {
        dir = directory.toAbsolutePath().normalize();
        try {
          Files.createDirectories(dir);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot make the Kafka broker folder " + dir, e);
        }
      } else {
        Path parent = dataDir != null ? dataDir : Path.of(System.getProperty("java.io.tmpdir"));
        try {
          Files.createDirectories(parent);
          dir = Files.createTempDirectory(parent.toAbsolutePath(), "kafka-");
        } catch (IOException e) {
          throw new UncheckedIOException("cannot make a Kafka broker folder under " + parent, e);
        }
      }
      ClassDataArchive archive =
          classDataSharing ? ClassDataArchive.forLib(lib, jvmOptions) : ClassDataArchive.none();
      int[] ports = ports(port, keep ? previousControllerPort(dir) : 0);
      BrokerProcess broker =
          new BrokerProcess(
              lib,
              dir,
              logDir != null ? logDir.toAbsolutePath() : dir.resolve("logs"),
              ports,
              jvmOptions,
              archive,
              keep);
      Thread hook = new Thread(broker::stopAndDelete, "local-kafka-broker-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      BrokerSecurity security = null;
      try {
        Map<String, String> lines = new LinkedHashMap<>();
        if (secured) {
          security = BrokerSecurity.create(dir, deadline);
          lines.putAll(security.serverProperties(broker.port(), broker.controllerPort()));
        }
        lines.putAll(overrides);
        broker.writeConfig(
            BrokerConfig.serverProperties(
                dir, broker.port(), broker.controllerPort(), maxMessageBytes, lines));
        if (!broker.isFormatted()) {
          broker.format(deadline, security == null ? List.of() : security.formatArguments());
        }
        broker.launch();
        awaitReady(
            broker,
            deadline,
            startupTimeout,
            security == null ? Map.of() : security.adminClientProperties());
      } catch (RuntimeException | Error e) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs anyway.
        }
        broker.stopAndDelete();
        throw e;
      }
      return new LocalKafkaBroker(
          broker, hook, Duration.ofNanos(System.nanoTime() - began), security);
    }

    private static void awaitReady(
        BrokerProcess broker, long deadline, Duration timeout, Map<String, String> client) {
      // A plain TCP probe first: the admin client logs a warning for every refused connection.
      while (!accepts(broker.port())) {
        broker.checkAlive();
        if (System.nanoTime() > deadline) {
          throw broker.failure("did not open port " + broker.port() + " within " + timeout, null);
        }
        sleep(broker, 50);
      }
      Map<String, Object> conf = new LinkedHashMap<>(client);
      conf.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + broker.port());
      conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
      conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
      conf.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
      conf.put(AdminClientConfig.CLIENT_ID_CONFIG, "local-kafka-broker-probe");
      Exception last = null;
      try (Admin admin = Admin.create(conf)) {
        while (System.nanoTime() < deadline) {
          broker.checkAlive();
          try {
            var nodes =
                admin
                    .describeCluster(new DescribeClusterOptions().timeoutMs(2_000))
                    .nodes()
                    .get(3, TimeUnit.SECONDS);
            if (nodes.stream().map(Node::id).anyMatch(id -> id == BrokerConfig.NODE_ID)) {
              return;
            }
          } catch (ExecutionException | TimeoutException e) {
            last = e;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw broker.failure("interrupted while waiting for the broker", e);
          }
          sleep(broker, 100);
        }
      }
      throw broker.failure("did not answer describeCluster within " + timeout, last);
    }

    /**
     * The client and controller ports: {@code fixed} unless 0, else a free one; the controller port
     * of a kept folder's last run when it is still free (its quorum keeps that address), else a
     * free one.
     */
    static int[] ports(int fixed, int previousController) {
      int client = fixed;
      int controller =
          previousController > 0 && previousController != client && isPortFree(previousController)
              ? previousController
              : 0;
      while (client == 0 || client == controller) {
        client = BrokerProcess.freePorts(1)[0];
      }
      while (controller == 0 || controller == client) {
        controller = BrokerProcess.freePorts(1)[0];
      }
      return new int[] {client, controller};
    }

    /** The controller port in a kept folder's {@code server.properties}, or 0. */
    static int previousControllerPort(Path dir) {
      Path file = dir.resolve("server.properties");
      if (!Files.isRegularFile(file)) {
        return 0;
      }
      Properties p = new Properties();
      try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(in);
        String v = p.getProperty("controller.quorum.bootstrap.servers", "");
        return Integer.parseInt(v.substring(v.lastIndexOf(':') + 1).trim());
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }

    private static boolean accepts(int port) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    private static void sleep(BrokerProcess broker, long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw broker.failure("interrupted while waiting for the broker", e);
      }
    }
  }

  /**
   * The jar folder: the explicit one; else {@value #LIB_PROPERTY}; else under {@value
   * #ROOT_PROPERTY}; else {@code kafka-local/target/lib} here or one folder up.
   */
  static Path resolveLib(Path explicit) {
    List<Path> candidates = new ArrayList<>();
    if (explicit != null) {
      candidates.add(explicit);
    } else if (System.getProperty(LIB_PROPERTY) != null) {
      candidates.add(Path.of(System.getProperty(LIB_PROPERTY)));
    } else {
      if (System.getProperty(ROOT_PROPERTY) != null) {
        candidates.add(Path.of(System.getProperty(ROOT_PROPERTY), "kafka-local", "target", "lib"));
      }
      candidates.add(Path.of("kafka-local", "target", "lib"));
      candidates.add(Path.of("..", "kafka-local", "target", "lib"));
    }
    for (Path c : candidates) {
      if (hasKafkaJar(c)) {
        return c.toAbsolutePath().normalize();
      }
    }
    throw new KafkaBrokerStartException(
        "no Kafka broker jars (kafka_2.13-*.jar) in "
            + candidates.stream().map(p -> p.toAbsolutePath().normalize()).toList()
            + "; build them with 'mvn -pl kafka-local package' in the repository root, or point -D"
            + LIB_PROPERTY
            + " at a folder of Kafka jars",
        null);
  }

  private static boolean hasKafkaJar(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .anyMatch(n -> n.startsWith("kafka_2.13-") && n.endsWith(".jar"));
    } catch (IOException e) {
      return false;
    }
  }
}
