package io.tlalign.cli;

import io.tlalign.kafka.local.KafkaBrokerStartException;
import io.tlalign.kafka.local.LocalKafkaBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tlalign broker}: the local KRaft broker of the demo and the tests, in the foreground, for
 * {@code replay} and {@code train} in other terminals.
 */
@Command(
    name = "broker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a local single-node Kafka broker (KRaft, broker and controller in one forked JVM) on"
          + " 127.0.0.1 in the foreground, until Ctrl-C or SIGTERM.",
      "Prints 'broker: bootstrap-servers=127.0.0.1:PORT' on stdout once it accepts clients; pass"
          + " that address to --bootstrap-servers of replay and train.",
      "Data and logs go to --dir (kept at exit; a rerun with the same --dir reuses its topics and"
          + " records), else to a temporary folder deleted at exit.",
      "Exit status: 130 on Ctrl-C (SIGINT) and 143 on SIGTERM, as for any JVM stopped by a signal,"
          + " after the broker has stopped; 1 when the broker fails to start or ends on its own;"
          + " 2 for bad arguments."
    })
public final class BrokerCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      paramLabel = "P",
      description = "Client port on 127.0.0.1, 1 to 65535 (default: a free port).")
  Integer port;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "The broker's folder (server.properties, data/, logs/); created when missing, kept at"
              + " exit and reused by the next run (default: a temporary folder, deleted at exit).")
  Path dir;

  @Option(
      names = "--secured",
      description =
          "SASL_SSL with SCRAM-SHA-512 (TLS made now with keytool), ACLs enforced, a super user"
              + " 'admin'; writes its client settings to admin.properties in the broker's folder"
              + " and prints 'broker: kafka-config=FILE' for --kafka-config of replay and train."
              + " Not with --dir: credentials and certificates are made at each start.")
  boolean secured;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (port != null) {
      if (port < 1 || port > 65535) {
        fail(
            "--port "
                + port
                + " is out of range; pick a port from 1 to 65535 (e.g. --port 9092), or leave"
                + " --port out for a free one");
      }
      if (!LocalKafkaBroker.isPortFree(port)) {
        fail(
            "--port "
                + port
                + " is busy on 127.0.0.1; stop what listens there, pick another port, or leave"
                + " --port out for a free one");
      }
    }
    if (secured && dir != null) {
      fail(
          "--secured makes fresh credentials and certificates at each start and cannot reuse"
              + " --dir "
              + dir
              + "; leave out one of them");
    }
    boolean reuse = false;
    if (dir != null) {
      reuse = checkDir(dir);
    }
    var out = spec.commandLine().getOut();
    PrintStream err = Stderr.open();
    LocalKafkaBroker.Builder builder = LocalKafkaBroker.builder();
    if (port != null) {
      builder.port(port);
    }
    if (dir != null) {
      builder.directory(dir);
    }
    if (secured) {
      builder.secured();
    }
    LocalKafkaBroker kafka;
    try {
      kafka = builder.start();
    } catch (KafkaBrokerStartException e) {
      // The one-line error handler prints the first line; the log tails that follow go here.
      String msg = String.valueOf(e.getMessage());
      int nl = msg.indexOf('\n');
      if (nl >= 0) {
        err.println(msg.substring(nl + 1));
      }
      throw e;
    }
    err.println(
        "broker: folder "
            + kafka.directory()
            + (dir == null
                ? " (temporary, deleted at exit)"
                : reuse
                    ? " (kept; its earlier data reused)"
                    : " (kept at exit; rerun with the same --dir to reuse its data)"));
    err.printf(
        Locale.ROOT,
        "broker: pid %d, up in %.1f s; Ctrl-C or SIGTERM stops it%n",
        kafka.pid(),
        kafka.startupTime().toMillis() / 1000.0);
    out.println("broker: bootstrap-servers=" + kafka.bootstrapServers());
    if (secured) {
      out.println("broker: kafka-config=" + writeAdminConfig(kafka));
    }
    out.flush();

    // Until the broker process ends: on Ctrl-C or SIGTERM, LocalKafkaBroker's shutdown hook stops
    // it (and deletes a temporary folder) while this thread waits; the JVM then exits with the
    // signal's status. Otherwise the broker ended on its own.
    ProcessHandle.of(kafka.pid()).ifPresent(h -> h.onExit().join());
    if (!shuttingDown()) {
      // A Ctrl-C reaches the broker too (same process group); give our own hook a moment to start.
      Thread.sleep(2_000);
    }
    if (shuttingDown()) {
      return 0; // System.exit blocks until the hooks are done; the signal sets the status
    }
    String tail = tail(kafka.logFile());
    if (!tail.isBlank()) {
      err.println("--- last lines of " + kafka.logFile() + " ---");
      err.println(tail);
    }
    kafka.close();
    throw new IllegalStateException(
        "the Kafka broker (pid "
            + kafka.pid()
            + ") ended on its own; its log is above"
            + (dir != null ? " and in " + kafka.logFile() : ""));
  }

  /** The super user's client settings, readable by this user only (they hold its password). */
  private static Path writeAdminConfig(LocalKafkaBroker kafka) throws IOException {
    Path file = kafka.directory().resolve("admin.properties");
    StringBuilder text = new StringBuilder("# The local broker's super user; see --secured.\n");
    kafka
        .adminClientProperties()
        .forEach((k, v) -> text.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
    Files.createFile(
        file,
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, text);
    return file;
  }

  /**
   * Makes sure {@code dir} can be the broker's folder.
   *
   * @return whether it holds an earlier broker's storage
   */
  private boolean checkDir(Path d) {
    String fix =
        "; name a folder you can write to (it is created when missing), or leave --dir out";
    if (Files.exists(d) && !Files.isDirectory(d)) {
      fail("--dir " + d + " is not a folder" + fix);
    }
    try {
      Files.createDirectories(d);
    } catch (IOException | RuntimeException e) {
      fail("--dir " + d + " cannot be created (" + e + ")" + fix);
    }
    try {
      Path probe = Files.createTempFile(d, ".write-test", "");
      Files.delete(probe);
    } catch (IOException | RuntimeException e) {
      fail("--dir " + d + " is not writable" + fix);
    }
    boolean broker = Files.isRegularFile(d.resolve("server.properties"));
    if (!broker) {
      try (Stream<Path> s = Files.list(d)) {
        if (s.findAny().isPresent()) {
          fail(
              "--dir "
                  + d
                  + " holds other files and no broker (no server.properties); name an empty or new"
                  + " folder, or leave --dir out");
        }
      } catch (IOException e) {
        fail("--dir " + d + " cannot be listed (" + e + ")" + fix);
      }
    }
    return Files.isRegularFile(d.resolve("data").resolve("meta.properties"));
  }

  /** Whether the JVM runs its shutdown hooks (after a signal or System.exit). */
  private static boolean shuttingDown() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  private static String tail(Path file) {
    try {
      var lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private void fail(String message) {
    throw new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
