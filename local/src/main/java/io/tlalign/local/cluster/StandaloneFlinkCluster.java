package io.tlalign.local.cluster;

import io.tlalign.model.EngineOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A standalone Flink session cluster of separate processes on this machine: one JobManager JVM and
 * N TaskManager JVMs with one slot each, as the replicas run on Kubernetes (one TaskManager pod per
 * device). Jobs go to it through its REST endpoint with the shaded job jar ({@link #environment}).
 * Everything lives in one folder: {@code conf/} (config.yaml, log4j.properties), {@code log/} (each
 * JVM's log and output), {@code tmp/}.
 *
 * <p>{@link #close()} stops every process it started (SIGTERM, then SIGKILL); a shutdown hook does
 * the same when this JVM exits first, and each child exits by itself when this JVM dies without
 * running hooks ({@link ExitWithParent}).
 */
public final class StandaloneFlinkCluster implements AutoCloseable {

  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private final Path folder;
  private final Path jobJar;
  private final ClusterConf conf;
  private final ClusterRest rest;
  private final List<ClusterProcess> taskManagers = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread hook = new Thread(this::stopAll, "standalone-flink-cluster-stop");
  private ClusterProcess jobManager;

  private StandaloneFlinkCluster(Path folder, Path jobJar, ClusterConf conf) {
    this.folder = folder;
    this.jobJar = jobJar;
    this.conf = conf;
    this.rest = new ClusterRest(ClusterConf.HOST, conf.restPort());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds and starts a cluster. */
  public static final class Builder {
    private Path folder;
    private int taskManagers = 1;
    private int threadsPerTaskManager = 1;
    private MemorySize taskManagerMemory = MemorySize.parse("1280m");
    private MemorySize jobManagerMemory = MemorySize.parse("1024m");
    private Path jobJar;
    private Duration startTimeout = Duration.ofMinutes(3);

    private Builder() {}

    /** The cluster's folder (created if missing): configuration, logs, temporary files. */
    public Builder setFolder(Path folder) {
      this.folder = folder;
      return this;
    }

    /** TaskManager processes, one slot each (default 1). */
    public Builder optTaskManagers(int n) {
      this.taskManagers = n;
      return this;
    }

    /** OpenMP/MKL threads of each TaskManager (its environment; default 1). */
    public Builder optThreadsPerTaskManager(int n) {
      this.threadsPerTaskManager = n;
      return this;
    }

    /** taskmanager.memory.process.size (default 1280m; libtorch's memory comes on top). */
    public Builder optTaskManagerMemory(MemorySize size) {
      this.taskManagerMemory = size;
      return this;
    }

    /** jobmanager.memory.process.size (default 1024m). */
    public Builder optJobManagerMemory(MemorySize size) {
      this.jobManagerMemory = size;
      return this;
    }

    /** The shaded job jar (default: {@link JobJar#locate()}). */
    public Builder optJobJar(Path jar) {
      this.jobJar = jar;
      return this;
    }

    /** How long the JobManager and all TaskManagers may take to come up (default 3 min). */
    public Builder optStartTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /** Starts the JobManager, then the TaskManagers, and waits until all have registered. */
    public StandaloneFlinkCluster start() {
      Objects.requireNonNull(folder, "setFolder: the cluster's folder");
      if (taskManagers < 1 || taskManagers > 64) {
        throw new IllegalArgumentException(
            "taskManagers is " + taskManagers + "; a local cluster runs 1 to 64");
      }
      if (threadsPerTaskManager < 1) {
        throw new IllegalArgumentException(
            "threadsPerTaskManager is " + threadsPerTaskManager + "; use 1 or more");
      }
      Path jar = jobJar != null ? jobJar : JobJar.locate();
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            "the job jar " + jar + " does not exist; build it with " + JobJar.BUILD_COMMAND);
      }
      Path dir = folder.toAbsolutePath();
      try {
        Files.createDirectories(dir.resolve("log"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the cluster folder " + dir, e);
      }
      ClusterConf conf =
          ClusterConf.create(dir, taskManagerMemory, jobManagerMemory, djlCache()).write();
      StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(dir, jar, conf);
      Runtime.getRuntime().addShutdownHook(cluster.hook);
      try {
        cluster.launch(taskManagers, threadsPerTaskManager, startTimeout);
        return cluster;
      } catch (RuntimeException | Error e) {
        cluster.close();
        throw e;
      }
    }
  }

  /**
   * Where DJL's engine cache is for this JVM, so that the TaskManagers reuse the unpacked libtorch.
   */
  private static Path djlCache() {
    String env = System.getenv("DJL_CACHE_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String prop = System.getProperty("DJL_CACHE_DIR");
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    return EngineOptions.defaults().cacheDir();
  }

  private void launch(int n, int threads, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> classpath =
        FlinkLibClasspath.without(jobJar, System.getProperty("java.class.path"));
    Path logDir = folder.resolve("log");
    jobManager =
        ClusterProcess.start(
            "jobmanager",
            logDir,
            conf.jobManagerJvmOptions(),
            classpath,
            Map.of(),
            StandaloneSessionClusterEntrypoint.class.getName(),
            conf.jobManagerArguments());
    while (!rest.answers()) {
      jobManager.checkAlive("starting");
      waitOrFail(deadline, "the JobManager's REST endpoint " + rest.address() + " to answer");
    }
    Map<String, String> env = new HashMap<>();
    env.put("OMP_NUM_THREADS", Integer.toString(threads));
    env.put("MKL_NUM_THREADS", Integer.toString(threads));
    String cache = djlCache().toString();
    env.put("DJL_CACHE_DIR", cache);
    env.put(EngineOptions.CACHE_DIR_ENV, cache);
    for (int i = 1; i <= n; i++) {
      String id = taskManagerId(i);
      taskManagers.add(
          ClusterProcess.start(
              id,
              logDir,
              conf.taskManagerJvmOptions(),
              classpath,
              env,
              TaskManagerRunner.class.getName(),
              conf.taskManagerArguments(id)));
    }
    while (registered() < n) {
      jobManager.checkAlive("TaskManagers registered");
      taskManagers.forEach(tm -> tm.checkAlive("registering with the JobManager"));
      waitOrFail(deadline, n + " TaskManagers to register at " + rest.address());
    }
  }

  private int registered() {
    try {
      return rest.taskManagerIds().size();
    } catch (IOException e) {
      return 0;
    }
  }

  private void waitOrFail(long deadline, String what) {
    if (System.nanoTime() > deadline) {
      StringBuilder tails = new StringBuilder();
      if (jobManager != null) {
        tails.append(jobManager.tails());
      }
      taskManagers.forEach(tm -> tails.append(tm.tails()));
      throw new IllegalStateException(
          "the standalone Flink cluster in " + folder + " timed out waiting for " + what + tails);
    }
    try {
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + what, e);
    }
  }

  /** The resource id of TaskManager {@code i} (1-based), as REST reports it. */
  public static String taskManagerId(int i) {
    return "tm-" + i;
  }

  /**
   * An environment whose jobs run on this cluster, from the shaded job jar: {@code jobConf} is the
   * job's configuration (tlalign.* and Flink options), as for a local environment.
   */
  public StreamExecutionEnvironment environment(Configuration jobConf) {
    return StreamExecutionEnvironment.createRemoteEnvironment(
        ClusterConf.HOST, conf.restPort(), jobConf, jobJar.toString());
  }

  /** Flink's REST API of this cluster. */
  public ClusterRest rest() {
    return rest;
  }

  /** The cluster's folder ({@code conf/}, {@code log/}, {@code tmp/}). */
  public Path folder() {
    return folder;
  }

  /** The JobManager's log file. */
  public Path jobManagerLog() {
    return jobManager.log();
  }

  /** The resource ids of the TaskManagers, in start order. */
  public List<String> taskManagerIds() {
    return taskManagers.stream().map(ClusterProcess::name).toList();
  }

  /** Process ids: the JobManager's first, then the TaskManagers'. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    if (jobManager != null) {
      pids.add(jobManager.pid());
    }
    taskManagers.forEach(tm -> pids.add(tm.pid()));
    return pids;
  }

  /** One line for people: where it is and what runs. */
  public String describe() {
    return String.format(
        "JobManager %s (pid %d), %d TaskManagers with 1 slot each (pids %s), logs in %s",
        rest.address(),
        jobManager.pid(),
        taskManagers.size(),
        taskManagers.stream().map(tm -> Long.toString(tm.pid())).toList(),
        folder.resolve("log"));
  }

  /** Stops the TaskManagers, then the JobManager; the folder stays (its logs). */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // This JVM is shutting down: the hook runs (or ran) stopAll.
    }
  }

  private void stopAll() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ClusterProcess tm : taskManagers) {
      tm.stop(STOP_GRACE);
    }
    if (jobManager != null) {
      jobManager.stop(STOP_GRACE);
    }
  }
}
