package io.tlalign.kafka.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The forked JVMs behind a {@link LocalKafkaBroker}: the storage format tool, then the broker
 * itself, each {@code java -cp <lib>/* <main>}, with their output in files of the broker's folder.
 */
final class BrokerProcess {

  static final List<String> DEFAULT_JVM_OPTIONS =
      List.of("-Xms64m", "-Xmx1g", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true");

  /** The log config that {@code kafka-local} copies next to the jars. */
  static final String LOG_CONFIG = "log4j2-broker.properties";

  private static final String STORAGE_TOOL = "kafka.tools.StorageTool";
  private static final String KAFKA_MAIN = "kafka.Kafka";
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final Duration ARCHIVE_DUMP_GRACE = Duration.ofSeconds(60);
  private static final int LOG_TAIL_LINES = 40;

  private final Path lib;
  private final Path dir;
  private final Path logDir;
  private final int port;
  private final int controllerPort;
  private final List<String> jvmOptions;
  private final ClassDataArchive archive;
  private final boolean keepDir;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile Process process;
  private volatile ClassDataArchive.Dump dump;

  BrokerProcess(
      Path lib, Path dir, int[] ports, List<String> jvmOptions, ClassDataArchive archive) {
    this(lib, dir, dir.resolve("logs"), ports, jvmOptions, archive, false);
  }

  /**
   * @param keepDir whether {@link #stopAndDelete} keeps the folder (a folder the caller named, to
   *     be reused), instead of deleting it
   */
  BrokerProcess(
      Path lib,
      Path dir,
      Path logDir,
      int[] ports,
      List<String> jvmOptions,
      ClassDataArchive archive,
      boolean keepDir) {
    this.keepDir = keepDir;
    this.lib = lib;
    this.dir = dir;
    this.logDir = logDir;
    this.port = ports[0];
    this.controllerPort = ports[1];
    this.jvmOptions = List.copyOf(jvmOptions);
    this.archive = archive;
  }

  int port() {
    return port;
  }

  int controllerPort() {
    return controllerPort;
  }

  Path dir() {
    return dir;
  }

  Path logFile() {
    return logDir.resolve("server.log");
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  void writeConfig(Map<String, String> properties) {
    StringBuilder text = new StringBuilder("# Written by LocalKafkaBroker.\n");
    properties.forEach((k, v) -> text.append(k).append('=').append(escape(v)).append('\n'));
    try {
      Files.writeString(dir.resolve("server.properties"), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("server.properties"), e);
    }
  }

  /** Runs Kafka's storage tool: formats {@code log.dirs} as a single-node dynamic quorum. */
  void format(long deadlineNanos, List<String> extraArguments) {
    List<String> cmd = command(archive.useOptions(), STORAGE_TOOL);
    cmd.addAll(List.of("format", "--standalone", "-t", newClusterId(), "-c", "server.properties"));
    cmd.addAll(extraArguments);
    Path out = dir.resolve("format.out");
    Process tool;
    try {
      tool =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
    } catch (IOException e) {
      throw failure("could not start the storage format tool (" + cmd.get(0) + ")", e);
    }
    try {
      long waitNanos = Math.max(0, deadlineNanos - System.nanoTime());
      if (!tool.waitFor(waitNanos, TimeUnit.NANOSECONDS)) {
        stop(tool, Duration.ofSeconds(2));
        throw failure("storage format did not finish in time", null);
      }
    } catch (InterruptedException e) {
      stop(tool, Duration.ofSeconds(2));
      Thread.currentThread().interrupt();
      throw failure("interrupted while formatting storage", e);
    }
    if (tool.exitValue() != 0) {
      throw failure("storage format failed with exit code " + tool.exitValue(), null);
    }
  }

  /** Starts {@code kafka.Kafka server.properties}. */
  void launch() {
    List<String> extra = archive.useOptions();
    if (extra.isEmpty()) {
      dump = archive.beginDump();
      extra = dump.options();
    }
    List<String> cmd = command(extra, KAFKA_MAIN);
    cmd.add("server.properties");
    try {
      process =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("broker.out").toFile())
              .start();
    } catch (IOException e) {
      throw failure("could not start the broker JVM (" + cmd.get(0) + ")", e);
    }
  }

  private List<String> command(List<String> extraJvmOptions, String mainClass) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(extraJvmOptions);
    Path logConfig = lib.resolve(LOG_CONFIG);
    if (Files.isRegularFile(logConfig)) {
      // Without it (e.g. a Kafka distribution's libs/) Kafka logs to the console: broker.out.
      cmd.add("-Dlog4j2.configurationFile=" + logConfig);
    }
    cmd.add("-Dkafka.logs.dir=" + logDir);
    cmd.add("-cp");
    cmd.add(lib.resolve("*").toString()); // expanded by the java launcher, not a shell
    cmd.add(mainClass);
    return cmd;
  }

  /** Throws when the broker process has exited. */
  void checkAlive() {
    Process p = process;
    if (p != null && !p.isAlive()) {
      throw failure("exited with code " + p.exitValue() + " while starting", null);
    }
  }

  /** An exception that says what failed and ends with the tails of the broker's output files. */
  KafkaBrokerStartException failure(String what, Throwable cause) {
    StringBuilder msg =
        new StringBuilder("Kafka broker on 127.0.0.1:")
            .append(port)
            .append(" (folder ")
            .append(dir)
            .append(") ")
            .append(what);
    if (cause != null && cause.getMessage() != null) {
      msg.append(": ").append(cause.getMessage());
    }
    for (Path f : List.of(dir.resolve("format.out"), dir.resolve("broker.out"), logFile())) {
      String tail = tail(f, LOG_TAIL_LINES);
      if (!tail.isBlank()) {
        msg.append("\n--- last lines of ").append(f.getFileName()).append(" ---\n").append(tail);
      }
    }
    return new KafkaBrokerStartException(msg.toString(), cause);
  }

  /** Whether the folder's storage is formatted already: a kept folder of an earlier broker. */
  boolean isFormatted() {
    return Files.isRegularFile(dir.resolve("data").resolve("meta.properties"));
  }

  /**
   * Stops the broker if it runs and deletes its folder (unless it is kept); only the first call
   * does anything.
   */
  void stopAndDelete() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    Process p = process;
    ClassDataArchive.Dump d = dump;
    boolean clean = p == null || stop(p, d == null ? STOP_GRACE : ARCHIVE_DUMP_GRACE);
    if (d != null) {
      // SIGTERM ends the JVM with 143 after its shutdown hooks; the archive is written by then.
      d.finish(clean && p != null && (p.exitValue() == 0 || p.exitValue() == 128 + 15));
    }
    if (!keepDir) {
      deleteRecursively(dir);
    }
  }

  /** SIGTERM, up to {@code grace}, then SIGKILL to the process and every descendant. */
  static boolean stop(Process process, Duration grace) {
    return ChildProcesses.stop(process, grace, "Kafka broker");
  }

  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      throw new UncheckedIOException(
          "cannot delete the Kafka broker folder " + root + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  /** Free TCP ports on 127.0.0.1: free now; the broker binds them a moment later. */
  static int[] freePorts(int n) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // A listening socket that never accepted has nothing to lose.
        }
      }
    }
  }

  static String tail(Path file, int lines) {
    if (!Files.isRegularFile(file)) {
      return "";
    }
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  /** A random cluster id as Kafka writes them: 16 bytes, URL-safe base64, never a leading '-'. */
  static String newClusterId() {
    SecureRandom random = new SecureRandom();
    byte[] bytes = new byte[16];
    String id;
    do {
      random.nextBytes(bytes);
      id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    } while (id.startsWith("-"));
    return id;
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\");
  }
}
