package io.tlalign.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineEngineTest {

  @Test
  void engineLoadsFromTheClasspathJarWithTheNetworkBlocked(@TempDir Path tmp) throws Exception {
    Path cache = tmp.resolve("empty-djl-cache");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "-Djava.io.tmpdir=" + tmp,
            "-Djna.tmpdir=" + tmp,
            OfflineEngineProbe.class.getName(),
            cache.toString(),
            Integer.toString(closedPort));
    Map<String, String> env = pb.environment();
    env.remove("DJL_CACHE_DIR"); // the environment would win over EngineSetup's property
    env.remove("ENGINE_CACHE_DIR");
    env.remove("PYTORCH_LIBRARY_PATH");
    env.remove("PYTORCH_VERSION");
    pb.redirectErrorStream(true);
    Path log = tmp.resolve("probe.log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    boolean done = p.waitFor(180, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("probe finished in time; output:%n%s", out).isTrue();
    assertThat(p.exitValue()).as("probe exit code; output:%n%s", out).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).as(out).contains("MATMUL [7.0, 10.0, 15.0, 22.0]");
    assertThat(lines).as(out).contains("ATTEMPTS []");
    assertThat(lines).as(out).contains("THREADS 1 1");
    String library = value(lines, "LIBRARY ");
    // libtorch was unpacked from the pytorch-native-cpu jar into the empty cache given.
    assertThat(Path.of(library)).startsWith(cache.toAbsolutePath());
    assertThat(Path.of(library).resolve("libtorch_cpu.so")).exists();
    assertThat(value(lines, "ENGINE ")).startsWith("PyTorch 2.7.1");
  }

  @Test
  void deviceSelectionFallsBackToCpuWithoutThatGpu() throws IOException {
    Engine engine = TestEngine.start();
    assertThat(EngineSetup.selectDevice(engine, -1)).isEqualTo(Device.cpu());
    assertThat(EngineSetup.selectDevice(engine, engine.getGpuCount())).isEqualTo(Device.cpu());
    if (engine.getGpuCount() > 0) {
      assertThat(EngineSetup.bestDevice(engine)).isEqualTo(Device.gpu(0));
    } else {
      assertThat(EngineSetup.bestDevice(engine)).isEqualTo(Device.cpu());
    }
  }

  @Test
  void optionsRejectZeroThreadsWithTheFix() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> EngineOptions.defaults().withThreads(0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("intraOpThreads must be >= 1, got 0");
  }

  private static String value(List<String> lines, String prefix) {
    return lines.stream()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line starting with " + prefix + " in " + lines));
  }
}
