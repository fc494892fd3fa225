package io.tlalign.local.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.configuration.ClusterOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RpcOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * The {@code conf/} folder of a standalone cluster on loopback: {@code config.yaml} (free ports,
 * one slot per TaskManager, memory, DJL loaded parent-first, DJL offline settings and temporary
 * folders in the TaskManagers' JVM options) and {@code log4j.properties} (each JVM logs to its own
 * file). The JVM memory flags come from Flink's own process memory model, as {@code taskmanager.sh}
 * and {@code jobmanager.sh} compute them.
 */
final class ClusterConf {

  static final String HOST = "127.0.0.1";

  /** Java 17 module openings of Flink's distribution ({@code env.java.default-opts.all}). */
  private static final String JAVA17_OPENS =
      String.join(
          " ",
          "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.net=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=java.base/java.text=ALL-UNNAMED",
          "--add-opens=java.base/java.time=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
          "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private static final String LOG4J =
      String.join(
          "\n",
          "# Written by StandaloneFlinkCluster: each JVM logs to ${sys:log.file}. Appending, as",
          "# Flink's RPC system logs through a second logger context into the same file.",
          "rootLogger.level = INFO",
          "rootLogger.appenderRef.file.ref = MainAppender",
          "appender.main.name = MainAppender",
          "appender.main.type = File",
          "appender.main.append = true",
          "appender.main.fileName = ${sys:log.file}",
          "appender.main.layout.type = PatternLayout",
          "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
          "");

  private final Path dir;
  private final Configuration conf;

  private ClusterConf(Path dir, Configuration conf) {
    this.dir = dir;
    this.conf = conf;
  }

  /**
   * A configuration for {@code folder}: JobManager RPC and REST on free loopback ports (the other
   * ports each process picks itself), temporary files under {@code folder/tmp}, libtorch unpacked
   * in (or loaded from) {@code djlCache}.
   */
  static ClusterConf create(
      Path folder, MemorySize taskManagerMemory, MemorySize jobManagerMemory, Path djlCache) {
    Path tmp = folder.resolve("tmp");
    Configuration c = new Configuration();
    c.set(JobManagerOptions.ADDRESS, HOST);
    c.set(JobManagerOptions.BIND_HOST, HOST);
    c.set(JobManagerOptions.PORT, freePort());
    c.set(RestOptions.ADDRESS, HOST);
    c.set(RestOptions.BIND_ADDRESS, HOST);
    c.set(RestOptions.PORT, freePort());
    c.set(TaskManagerOptions.HOST, HOST);
    c.set(TaskManagerOptions.BIND_HOST, HOST);
    // One replica per TaskManager process, as one per GPU pod on Kubernetes.
    c.set(TaskManagerOptions.NUM_TASK_SLOTS, 1);
    c.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, taskManagerMemory);
    // The hashmap state backend needs no managed memory; libtorch allocates outside the JVM.
    c.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.ZERO);
    c.set(JobManagerOptions.TOTAL_PROCESS_MEMORY, jobManagerMemory);
    // libtorch loads once per JVM: DJL from the cluster's classpath, never the job's loader.
    c.set(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL, List.of("ai.djl."));
    c.set(CoreOptions.TMP_DIRS, tmp.toString());
    c.set(ClusterOptions.PROCESS_WORKING_DIR_BASE, folder.resolve("work").toString());
    c.set(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS, JAVA17_OPENS);
    c.set(
        CoreOptions.FLINK_TM_JVM_OPTIONS,
        String.join(
            " ",
            "-Dai.djl.offline=true",
            "-DDJL_CACHE_DIR=" + djlCache,
            "-Djna.tmpdir=" + tmp.resolve("jna"),
            "-Djava.io.tmpdir=" + tmp));
    c.set(CoreOptions.FLINK_JM_JVM_OPTIONS, "-Djava.io.tmpdir=" + tmp);
    // Two cores shared with builds: slow answers are load, not a lost process.
    c.set(RpcOptions.ASK_TIMEOUT_DURATION, Duration.ofSeconds(60));
    c.set(HeartbeatManagerOptions.HEARTBEAT_TIMEOUT, Duration.ofSeconds(120));
    return new ClusterConf(folder.resolve("conf"), c);
  }

  /** Writes {@code config.yaml} and {@code log4j.properties} into the {@code conf/} folder. */
  ClusterConf write() {
    try {
      Files.createDirectories(dir);
      Files.createDirectories(Path.of(conf.get(CoreOptions.TMP_DIRS)).resolve("jna"));
      Files.write(
          dir.resolve(GlobalConfiguration.FLINK_CONF_FILENAME),
          ConfigurationUtils.convertConfigToWritableLines(conf, true).stream().sorted().toList(),
          StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("log4j.properties"), LOG4J, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cluster configuration in " + dir, e);
    }
    return this;
  }

  Path dir() {
    return dir;
  }

  Configuration configuration() {
    return conf;
  }

  int restPort() {
    return conf.get(RestOptions.PORT);
  }

  /** JVM options of the JobManager: memory flags, Java 17 openings, logging, temp folder. */
  List<String> jobManagerJvmOptions() {
    JobManagerProcessSpec spec =
        JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
            conf, JobManagerOptions.JVM_HEAP_MEMORY);
    List<String> opts =
        new ArrayList<>(split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf)));
    opts.addAll(common());
    opts.addAll(split(conf.get(CoreOptions.FLINK_JM_JVM_OPTIONS)));
    return opts;
  }

  /** Program arguments of the JobManager: the folder and its derived memory settings. */
  List<String> jobManagerArguments() {
    JobManagerProcessSpec spec =
        JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(
            conf, JobManagerOptions.JVM_HEAP_MEMORY);
    List<String> args = new ArrayList<>(List.of("--configDir", dir.toString()));
    args.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
    return args;
  }

  /** JVM options of a TaskManager: memory flags, Java 17 openings, logging, DJL settings. */
  List<String> taskManagerJvmOptions() {
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
    List<String> opts = new ArrayList<>(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
    opts.addAll(common());
    opts.addAll(split(conf.get(CoreOptions.FLINK_TM_JVM_OPTIONS)));
    return opts;
  }

  /** Program arguments of TaskManager {@code resourceId}. */
  List<String> taskManagerArguments(String resourceId) {
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
    List<String> args = new ArrayList<>(List.of("--configDir", dir.toString()));
    args.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
    args.addAll(
        List.of("-D", TaskManagerOptions.TASK_MANAGER_RESOURCE_ID.key() + "=" + resourceId));
    return args;
  }

  private List<String> common() {
    List<String> opts = new ArrayList<>(split(conf.get(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS)));
    opts.add("-Dlog4j.configurationFile=file:" + dir.resolve("log4j.properties"));
    return opts;
  }

  private static List<String> split(String options) {
    return Arrays.stream(options.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }
}
