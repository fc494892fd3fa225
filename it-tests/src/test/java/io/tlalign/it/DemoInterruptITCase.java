package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C on {@code tlalign demo}: the demo runs in its own JVM (as from the launcher); once it
 * trains, it gets SIGINT, as a terminal sends it. It must exit, and leave no broker process and no
 * temp folder behind.
 */
class DemoInterruptITCase {

  private static final Pattern BROKER_PID = Pattern.compile("broker at \\S+ \\(pid (\\d+)\\)");

  @TempDir Path tmp;

  @Test
  void ctrlCStopsTheBrokerAndDeletesTheTempFolder() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    // Through perl (perl-base is Essential on Debian), which resets SIGINT to its default first: a
    // build started in the background inherits SIGINT ignored, and a JVM keeps an ignored SIGINT
    // ignored, whereas a demo started from a terminal gets the default.
    List<String> cmd =
        List.of(
            "perl",
            "-e",
            "$SIG{INT} = 'DEFAULT'; exec { $ARGV[0] } @ARGV or die \"exec: $!\"",
            java.toString(),
            "-Djava.io.tmpdir=" + tmp,
            "-Djna.tmpdir=" + tmp.resolve("jna"),
            "-Dai.djl.offline=true",
            "-DDJL_CACHE_DIR=" + System.getProperty("DJL_CACHE_DIR", tmp.resolve("djl").toString()),
            "-Dtlalign.kafka.lib=" + System.getProperty("tlalign.kafka.lib"),
            "-cp",
            System.getProperty("java.class.path"),
            "io.tlalign.cli.Main",
            "demo",
            "--steps",
            "400",
            "--data",
            FashionMnistFiles.DIR.toAbsolutePath().toString(),
            "--out",
            tmp.resolve("runs").toString());
    Process demo = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    long brokerPid = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        lines.add(line);
        Matcher m = BROKER_PID.matcher(line);
        if (m.find()) {
          brokerPid = Long.parseLong(m.group(1));
        }
        if (line.startsWith("demo: step ")) {
          break; // training: interrupt now
        }
      }
      assertThat(brokerPid).as("broker pid in %s", lines).isPositive();
      assertThat(ProcessHandle.of(brokerPid)).as("broker running").isPresent();
      assertThat(tempFolders()).as("the demo's temp folder while it runs").hasSize(1);

      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start();
      assertThat(kill.waitFor()).isZero();
      // Drain the rest so the demo never blocks on a full pipe while it shuts down.
      Thread drain =
          new Thread(
              () -> {
                try {
                  while (out.readLine() != null) {
                    // discard
                  }
                } catch (java.io.IOException ignored) {
                  // the process is gone
                }
              });
      drain.setDaemon(true);
      drain.start();
      assertThat(demo.waitFor(120, TimeUnit.SECONDS)).as("the demo exits on Ctrl-C").isTrue();
    } finally {
      demo.destroyForcibly();
    }
    assertThat(demo.exitValue()).as("exit status of a SIGINT").isEqualTo(130);
    long pid = brokerPid;
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("broker process %d after Ctrl-C", pid)
        .isFalse();
    assertThat(tempFolders()).as("temp folders after Ctrl-C").isEmpty();
  }

  private List<Path> tempFolders() throws Exception {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("tlalign-demo-")).toList();
    }
  }
}
