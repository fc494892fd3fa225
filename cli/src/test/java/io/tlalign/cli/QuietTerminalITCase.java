package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.FashionMnistSubset;
import io.tlalign.kafka.local.LocalKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person sees on the terminal: real {@code ./tlalign} JVMs (the command line's classpath, a
 * real local broker and a real local Flink cluster), their stdout and stderr read apart. The
 * frameworks' log lines go to the log file, not the terminal; {@code train} shows its progress
 * line, the web UI's address and a closing summary; failures are one line naming the cause.
 */
class QuietTerminalITCase {

  private static final int BATCH = 32;
  private static final int STEPS = 10;
  private static final int IMAGES = BATCH * STEPS;
  private static final Duration RUN_LIMIT = Duration.ofMinutes(6);

  /** tlalign's BLAS path line: the one log line that stays on the terminal (DEVELOPERS.md). */
  private static final Pattern BLAS_LINE =
      Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  BlasPath - BLAS: .*");

  /** A log4j line as the console layout writes it, from any logger. */
  private static final Pattern LOG_LINE =
      Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (TRACE|DEBUG|INFO|WARN|ERROR) .*");

  @TempDir static Path tmp;

  private static LocalKafkaBroker kafka;
  private static final String TOPIC = "quiet.train";

  @BeforeAll
  static void startBrokerAndReplay() {
    kafka = LocalKafkaBroker.builder().dataDir(tmp.resolve("kafka")).start();
    var cl = Main.commandLine();
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    int code =
        cl.execute(
            "replay",
            "--dataset",
            "fashion-mnist",
            "--path",
            FashionMnistSubset.folder().toString(),
            "--topic",
            TOPIC,
            "--limit",
            Integer.toString(IMAGES),
            "--bootstrap-servers",
            kafka.bootstrapServers());
    assertThat(code).as(out.toString()).isZero();
  }

  @AfterAll
  static void stopBroker() {
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void trainShowsProgressWebUiAndSummaryWhileTheFrameworksWriteToItsLogFile() throws Exception {
    Path checkpoints = tmp.resolve("checkpoints-ok");
    Path models = tmp.resolve("models-ok");
    CompletableFuture<String> dashboard = new CompletableFuture<>();
    Run run =
        Run.start(
            Map.of(),
            line -> {
              Matcher m = Pattern.compile("train: Flink web UI at (\\S+)").matcher(line);
              if (m.matches()) {
                CompletableFuture.runAsync(() -> fetchUntilUp(m.group(1), dashboard));
              }
            },
            train(checkpoints, models, "quiet-ok"));
    run.await();

    assertThat(run.exit).as(run.describe()).isZero();
    List<String> out = run.stdout.lines().toList();
    assertThat(out)
        .as(run.describe())
        .contains("train: framework log: " + checkpoints.resolve("train.log"));
    assertThat(out).anyMatch(l -> l.matches("train: Flink web UI at http://127\\.0\\.0\\.1:\\d+"));
    assertThat(out)
        .anyMatch(
            l ->
                l.matches(
                    "train: steps="
                        + STEPS
                        + " records="
                        + IMAGES
                        + " dead_letters=0 elapsed_s=\\d+\\.\\d images_per_s=\\d+\\.\\d model="
                        + Pattern.quote(models.toString())
                        + "/model-step-0+"
                        + STEPS
                        + "-chk-\\d+\\.tlas"));
    assertThat(run.stderr)
        .containsPattern(
            "train: step "
                + STEPS
                + "/"
                + STEPS
                + "  loss \\d+\\.\\d{4}  \\d+ images/s  ETA \\S+  mean lambda \\d\\.\\d{3} vs mean"
                + " aligned share \\d\\.\\d{3}");
    // The Flink dashboard answered at that address while the job ran.
    assertThat(dashboard.get(60, TimeUnit.SECONDS)).contains("Apache Flink Web Dashboard");
    assertOnlyTlalignLines(run);

    Path log = checkpoints.resolve("train.log");
    assertThat(log).isRegularFile();
    String text = Files.readString(log, StandardCharsets.UTF_8);
    // The lines that used to reach the terminal, and the rest of the frameworks' output.
    assertThat(text)
        .contains("org.apache.flink.runtime.minicluster.MiniCluster")
        .contains("org.apache.kafka.clients")
        .containsPattern("WARN .*were supplied but are not used yet");
  }

  @Test
  void aJobThatFailsInsideFlinkEndsWithOneLineNamingTheCause() throws Exception {
    Path markers = tmp.resolve("fault-markers");
    List<String> args =
        new ArrayList<>(train(tmp.resolve("checkpoints-fail"), tmp.resolve("models-fail"), "fail"));
    args.addAll(
        List.of(
            "-D",
            "tlalign.fault.marker-dir=" + markers,
            "-D",
            "tlalign.fault.train-at-step=3",
            "-D",
            "restart-strategy.type=none"));
    Run run = Run.start(Map.of(), line -> {}, args);
    run.await();

    assertThat(run.exit).as(run.describe()).isEqualTo(1);
    assertThat(markers).isNotEmptyDirectory(); // the fault did fire
    List<String> err = run.stderr.lines().filter(l -> !l.isBlank()).toList();
    assertThat(err.get(err.size() - 1))
        .as(run.describe())
        .isEqualTo("train: error: the training job failed: train fault injected at 3");
    assertOnlyTlalignLines(run);
  }

  @Test
  void aMissingCheckpointIsOneLineThatNamesIt() {
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    Path missing = tmp.resolve("no-such-checkpoint");
    int code =
        cl.execute(
            "train",
            "--bootstrap-servers",
            kafka.bootstrapServers(),
            "--checkpoint-dir",
            tmp.resolve("checkpoints-missing").toUri().toString(),
            "--from-checkpoint",
            missing.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "--from-checkpoint "
                + missing
                + " is not a completed checkpoint (no _metadata in it); name a chk-N folder under"
                + " the checkpoint dir",
            "Try 'tlalign train --help' for the options.");
  }

  @Test
  void replayKeepsKafkaLinesInItsLogFileUnlessVerbose() throws Exception {
    Path log = tmp.resolve("replay-logs").resolve("replay.log");
    Run quiet = Run.start(Map.of(), line -> {}, replay("--log-file", log.toString()));
    quiet.await();
    assertThat(quiet.exit).as(quiet.describe()).isZero();
    assertOnlyTlalignLines(quiet);
    assertThat(Files.readString(log, StandardCharsets.UTF_8))
        .containsPattern(
            "INFO  \\[[^]]+\\] org\\.apache\\.kafka\\.clients\\.producer\\.ProducerConfig -"
                + " ProducerConfig values");

    Run verbose = Run.start(Map.of(), line -> {}, replay("--verbose"));
    verbose.await();
    assertThat(verbose.exit).as(verbose.describe()).isZero();
    assertThat(verbose.stderr).contains("INFO  ProducerConfig - ProducerConfig values");
    // Without --log-file: the default file under XDG_CACHE_HOME, which the run set to its own.
    assertThat(Run.cache.resolve("tlalign/logs/replay.log")).isRegularFile();

    Run byEnvironment = Run.start(Map.of("TLALIGN_VERBOSE", "1"), line -> {}, replay());
    byEnvironment.await();
    assertThat(byEnvironment.stderr).contains("INFO  ProducerConfig - ProducerConfig values");
  }

  @Test
  void debugPrintsTheTraceAfterTheOneLineError() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort(); // closed again: nothing listens there
    }
    List<String> args = replayTo("127.0.0.1:" + port);
    Run plain = Run.start(Map.of(), line -> {}, args);
    plain.await();
    assertThat(plain.exit).isEqualTo(1);
    assertThat(plain.stderr.lines().toList())
        .as(plain.describe())
        .singleElement()
        .asString()
        .startsWith("replay: error: cannot reach Kafka at 127.0.0.1:" + port);

    Run debug = Run.start(Map.of("TLALIGN_DEBUG", "1"), line -> {}, args);
    debug.await();
    assertThat(debug.exit).isEqualTo(1);
    assertThat(debug.stderr)
        .startsWith("replay: error: cannot reach Kafka at 127.0.0.1:" + port)
        .contains("\tat io.tlalign.");
  }

  /** Every line on the terminal is the command's own, or the BLAS path line. */
  private static void assertOnlyTlalignLines(Run run) {
    List<String> lines = new ArrayList<>();
    for (String line : (run.stdout + "\n" + run.stderr).split("[\r\n]")) {
      if (!line.isBlank()) {
        lines.add(line.strip());
      }
    }
    assertThat(lines)
        .as(run.describe())
        .allSatisfy(
            l -> {
              if (LOG_LINE.matcher(l).matches()) {
                assertThat(l).matches(BLAS_LINE);
              } else {
                assertThat(l).matches("(train|replay)[: ].*");
              }
            });
  }

  private static List<String> train(Path checkpoints, Path models, String group) {
    return List.of(
        "train",
        "--bootstrap-servers",
        kafka.bootstrapServers(),
        "--bounded",
        "--batch-size",
        Integer.toString(BATCH),
        "--total-steps",
        Integer.toString(STEPS),
        "--warmup-steps",
        "2",
        "--checkpoint-interval",
        "2s",
        "--checkpoint-dir",
        checkpoints.toUri().toString(),
        "--model-store",
        models.toUri().toString(),
        "-D",
        "tlalign.topic.train=" + TOPIC,
        "-D",
        "tlalign.kafka.group-id=" + group,
        "-D",
        "tlalign.topic.deadletter=quiet.deadletter." + group,
        "-D",
        "tlalign.topic.metrics=quiet.metrics." + group,
        "-D",
        "tlalign.topic.models=quiet.models." + group);
  }

  private static List<String> replay(String... more) {
    List<String> args = replayTo(kafka.bootstrapServers());
    args.addAll(Arrays.asList(more));
    return args;
  }

  /** Replays 20 images of the subset into {@code quiet.replay} at {@code bootstrap}. */
  private static List<String> replayTo(String bootstrap) {
    return new ArrayList<>(
        List.of(
            "replay",
            "--dataset",
            "fashion-mnist",
            "--path",
            FashionMnistSubset.folder().toString(),
            "--topic",
            "quiet.replay",
            "--limit",
            "20",
            "--bootstrap-servers",
            bootstrap));
  }

  private static void fetchUntilUp(String url, CompletableFuture<String> page) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url + "/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          page.complete(r.body());
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    page.complete("no answer from " + url);
  }

  /** {@code java ... io.tlalign.cli.Main args} with stdout and stderr kept apart. */
  private static final class Run {
    static final Path cache = tmp.resolve("xdg-cache");

    final Process process;
    final List<String> args;
    final CompletableFuture<String> out = new CompletableFuture<>();
    final CompletableFuture<String> err = new CompletableFuture<>();
    String stdout = "";
    String stderr = "";
    int exit = -1;

    private Run(Process process, List<String> args) {
      this.process = process;
      this.args = args;
    }

    static Run start(
        Map<String, String> env,
        java.util.function.Consumer<String> onStdoutLine,
        List<String> args)
        throws IOException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx1g");
      cmd.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
      cmd.add("-Djna.tmpdir=" + Path.of(System.getProperty("java.io.tmpdir"), "jna"));
      cmd.add("-Dai.djl.offline=true");
      String djl = System.getProperty("DJL_CACHE_DIR");
      if (djl != null) {
        cmd.add("-DDJL_CACHE_DIR=" + djl);
      }
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("io.tlalign.cli.Main");
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("XDG_CACHE_HOME", cache.toString());
      pb.environment().remove("TLALIGN_VERBOSE");
      pb.environment().remove("TLALIGN_DEBUG");
      pb.environment().remove("TLALIGN_LOG_LEVEL");
      pb.environment().putAll(env);
      Run run = new Run(pb.start(), args);
      run.read(run.process.getInputStream(), run.out, onStdoutLine);
      run.read(run.process.getErrorStream(), run.err, line -> {});
      return run;
    }

    private void read(
        InputStream in,
        CompletableFuture<String> into,
        java.util.function.Consumer<String> onLine) {
      Thread t =
          new Thread(
              () -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                try (in) {
                  int b;
                  while ((b = in.read()) >= 0) {
                    all.write(b);
                    if (b == '\n') {
                      onLine.accept(line.toString(StandardCharsets.UTF_8).strip());
                      line.reset();
                    } else {
                      line.write(b);
                    }
                  }
                } catch (IOException e) {
                  // the process is gone
                }
                into.complete(all.toString(StandardCharsets.UTF_8));
              },
              "quiet-terminal-reader");
      t.setDaemon(true);
      t.start();
    }

    void await() throws Exception {
      boolean ended = process.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS);
      if (!ended) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      stdout = out.get(30, TimeUnit.SECONDS);
      stderr = err.get(30, TimeUnit.SECONDS);
      assertThat(ended).as("%s ended within %s: %s", args, RUN_LIMIT, describe()).isTrue();
      exit = process.exitValue();
    }

    String describe() {
      return "args " + args + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
  }
}
