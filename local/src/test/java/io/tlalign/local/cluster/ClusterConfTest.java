package io.tlalign.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfTest {

  private static final long MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void configYamlReadsBackAsACluster() {
    Path cache = dir.resolve("djl");
    ClusterConf conf =
        ClusterConf.create(dir, MemorySize.parse("1280m"), MemorySize.parse("1024m"), cache)
            .write();

    Configuration read = GlobalConfiguration.loadConfiguration(conf.dir().toString());

    assertThat(read.get(TaskManagerOptions.NUM_TASK_SLOTS)).isEqualTo(1);
    assertThat(read.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
        .containsExactly("ai.djl.");
    assertThat(read.get(JobManagerOptions.ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(read.get(RestOptions.PORT)).isEqualTo(conf.restPort()).isPositive();
    assertThat(read.get(JobManagerOptions.PORT)).isPositive().isNotEqualTo(conf.restPort());
    assertThat(read.get(TaskManagerOptions.TOTAL_PROCESS_MEMORY))
        .isEqualTo(MemorySize.parse("1280m"));
    assertThat(read.get(CoreOptions.FLINK_TM_JVM_OPTIONS))
        .contains("-Dai.djl.offline=true")
        .contains("-DDJL_CACHE_DIR=" + cache)
        .contains("-Djna.tmpdir=" + dir.resolve("tmp").resolve("jna"))
        .contains("-Djava.io.tmpdir=" + dir.resolve("tmp"));
    assertThat(conf.taskManagerJvmOptions())
        .contains("-Dai.djl.offline=true", "-DDJL_CACHE_DIR=" + cache)
        .contains("--add-opens=java.base/java.util=ALL-UNNAMED")
        .contains("-Dlog4j.configurationFile=file:" + conf.dir().resolve("log4j.properties"));
    assertThat(conf.taskManagerArguments("tm-7"))
        .containsSequence("--configDir", conf.dir().toString())
        .containsSequence("-D", "taskmanager.resource-id=tm-7");
  }

  /**
   * Flink's memory model by hand for a 1280 MiB TaskManager without managed memory: JVM overhead
   * max(192 MiB, 10%) = 192, metaspace 256, so Flink memory 832; network 10% of it = 83.2;
   * framework heap and off-heap 128 each; task heap 832 - 128 - 128 - 83.2 = 492.8. Heap = 128 +
   * 492.8 = 620.8 MiB; direct = 128 + 83.2 = 211.2 MiB.
   */
  @Test
  void taskManagerJvmFlagsFollowFlinksMemoryModel() {
    ClusterConf conf =
        ClusterConf.create(dir, MemorySize.parse("1280m"), MemorySize.parse("1024m"), dir);

    List<String> opts = conf.taskManagerJvmOptions();

    assertThat(bytes(opts, "-Xmx")).isCloseTo((long) (620.8 * MIB), within());
    assertThat(bytes(opts, "-Xms")).isCloseTo((long) (620.8 * MIB), within());
    assertThat(bytes(opts, "-XX:MaxDirectMemorySize=")).isCloseTo((long) (211.2 * MIB), within());
    assertThat(bytes(opts, "-XX:MaxMetaspaceSize=")).isEqualTo(256 * MIB);
  }

  /** A 1024 MiB JobManager: 1024 - 192 overhead - 256 metaspace - 128 off-heap = 448 MiB heap. */
  @Test
  void jobManagerJvmFlagsFollowFlinksMemoryModel() {
    ClusterConf conf =
        ClusterConf.create(dir, MemorySize.parse("1280m"), MemorySize.parse("1024m"), dir);

    assertThat(bytes(conf.jobManagerJvmOptions(), "-Xmx")).isEqualTo(448 * MIB);
  }

  private static org.assertj.core.data.Offset<Long> within() {
    return org.assertj.core.data.Offset.offset(MIB);
  }

  private static long bytes(List<String> opts, String prefix) {
    String value =
        opts.stream()
            .filter(o -> o.startsWith(prefix))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + prefix + " in " + opts))
            .substring(prefix.length());
    return MemorySize.parse(value.endsWith("b") ? value : value + "b").getBytes();
  }
}
