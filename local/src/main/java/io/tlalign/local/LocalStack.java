package io.tlalign.local;

import io.tlalign.datasets.DatasetReplayer;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.ProgressListener;
import io.tlalign.datasets.ReplaySpec;
import io.tlalign.datasets.ReplaySummary;
import io.tlalign.kafka.local.LocalKafkaBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;

/**
 * What a one-machine run starts and must stop: a temp folder, a local Kafka broker (a child process
 * with its data in that folder) and the current Flink job. {@link #close()} stops all of it, and a
 * shutdown hook does the same on Ctrl-C, so no broker process or temp folder outlives the run.
 */
public final class LocalStack implements AutoCloseable {

  private final AtomicReference<LocalKafkaBroker> broker = new AtomicReference<>();
  private final AtomicReference<JobClient> job = new AtomicReference<>();
  private final Path work;
  private final Thread hook;

  private LocalStack(Path work) {
    this.work = work;
    this.hook = new Thread(this::stopAll, "tlalign-local-cleanup");
  }

  /**
   * Creates the temp folder and starts the broker in it.
   *
   * @param brokerLogs where the broker writes its log, kept after the run
   */
  public static LocalStack start(String name, PrintStream log, Path brokerLogs) throws IOException {
    LocalStack s = new LocalStack(Files.createTempDirectory("tlalign-" + name + "-"));
    Runtime.getRuntime().addShutdownHook(s.hook);
    try {
      log.println(name + ": starting a local Kafka broker in " + s.work);
      LocalKafkaBroker b =
          LocalKafkaBroker.builder().dataDir(s.work.resolve("kafka")).logDir(brokerLogs).start();
      s.broker.set(b);
      log.println(name + ": broker at " + b.bootstrapServers() + " (pid " + b.pid() + ")");
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  public String bootstrapServers() {
    LocalKafkaBroker b = broker.get();
    if (b == null) {
      throw new IllegalStateException("the local stack is stopped");
    }
    return b.bootstrapServers();
  }

  /** The run's temp folder (deleted by {@link #close()}). */
  public Path work() {
    return work;
  }

  /** Replays {@code epochs} shuffled epochs of {@code dataset} (at most {@code limit} records). */
  public ReplaySummary replay(
      ImageDataset dataset, String topic, int epochs, long shuffleSeed, long limit)
      throws Exception {
    return replay(dataset, topic, epochs, shuffleSeed, limit, ProgressListener.NONE);
  }

  /** As {@link #replay(ImageDataset, String, int, long, long)}, told of every skipped image. */
  public ReplaySummary replay(
      ImageDataset dataset,
      String topic,
      int epochs,
      long shuffleSeed,
      long limit,
      ProgressListener listener)
      throws Exception {
    ReplaySpec.Builder spec =
        ReplaySpec.builder()
            .setDataset(dataset)
            .setTopic(topic)
            .optEpochs(epochs)
            .optShuffleSeed(shuffleSeed);
    if (limit > 0) {
      spec.optLimit(limit);
    }
    return DatasetReplayer.replay(spec.build(), bootstrapServers(), listener);
  }

  /** Replays {@code dataset} once in file order. */
  public ReplaySummary replayInOrder(ImageDataset dataset, String topic) throws Exception {
    return replayInOrder(dataset, topic, ProgressListener.NONE);
  }

  /** As {@link #replayInOrder(ImageDataset, String)}, told of every skipped image. */
  public ReplaySummary replayInOrder(ImageDataset dataset, String topic, ProgressListener listener)
      throws Exception {
    return DatasetReplayer.replay(
        ReplaySpec.builder().setDataset(dataset).setTopic(topic).build(),
        bootstrapServers(),
        listener);
  }

  /** The job to cancel if the stack is closed while it runs. */
  public void track(JobClient client) {
    job.set(client);
  }

  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  /**
   * Stops the broker (its close deletes its folder), cancels the job, then deletes the temp folder;
   * idempotent. The broker goes first: on Ctrl-C the JVM may not wait long, and a broker process is
   * what must not be left behind. The job goes before the folder, since until it stops it writes
   * checkpoints and model files there.
   */
  private void stopAll() {
    LocalKafkaBroker b = broker.getAndSet(null);
    if (b != null) {
      try {
        b.close();
      } catch (RuntimeException e) {
        System.err.println("stopping the local broker failed: " + e);
      }
    }
    JobClient j = job.getAndSet(null);
    boolean jobWasRunning = false;
    if (j != null) {
      try {
        CompletableFuture<?> done = j.getJobExecutionResult();
        jobWasRunning = !done.isDone();
        if (jobWasRunning) {
          j.cancel().get(5, TimeUnit.SECONDS);
          done.get(5, TimeUnit.SECONDS); // cancelled is not yet stopped: wait for the end
        }
      } catch (Exception e) {
        // the job ended, or the cluster is going down with the JVM
      }
    }
    deleteTree(work);
    // On Ctrl-C the cluster may be going down in its own hook before the job has stopped, and a
    // task still writing a checkpoint recreates the folder: watch it a little longer.
    for (int i = 0; jobWasRunning && i < SETTLE_CHECKS; i++) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (Files.exists(work)) {
        deleteTree(work);
      }
    }
  }

  /** Checks, 200 ms apart, that the deleted temp folder stays deleted. */
  private static final int SETTLE_CHECKS = 10;

  /**
   * Deletes {@code root} and everything under it. On Ctrl-C the broker's own shutdown hook deletes
   * its folder at the same time, and a job's last writes may land during the walk: vanished entries
   * are skipped, and the walk is repeated until the folder is gone (up to about 5 s).
   */
  static void deleteTree(Path root) {
    for (int attempt = 0; attempt < 25 && Files.exists(root); attempt++) {
      try (Stream<Path> s = Files.walk(root)) {
        s.sorted(Comparator.reverseOrder())
            .forEach(
                f -> {
                  try {
                    Files.deleteIfExists(f);
                  } catch (IOException e) {
                    // a folder refilled by a concurrent writer: the next attempt takes it
                  }
                });
      } catch (IOException | java.io.UncheckedIOException e) {
        // an entry vanished during the walk: walk again
      }
      if (Files.exists(root)) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
