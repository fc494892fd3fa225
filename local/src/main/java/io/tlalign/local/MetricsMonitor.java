package io.tlalign.local;

import io.tlalign.job.settings.KafkaClients;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Follows a running job's metrics topic: keeps its training metrics in step order (a replay after a
 * restore is skipped) and tells a listener about each one with the recent and mean training rates.
 * {@link #follow} runs it on a thread of its own; {@link #finish} ends it.
 */
public final class MetricsMonitor implements Runnable {

  /** Told about each new training metric. */
  @FunctionalInterface
  public interface Listener {
    void onMetric(TrainingMetric metric, double recentImagesPerSecond, double meanImagesPerSecond);
  }

  private final KafkaClients kafka;
  private final String topic;
  private final int batch;
  private final Listener listener;
  private final List<TrainingMetric> metrics = new ArrayList<>();
  private volatile long stopAfter = Long.MAX_VALUE;
  private volatile long stopDeadline = Long.MAX_VALUE;
  private volatile Exception failure;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;

  private MetricsMonitor(KafkaClients kafka, String topic, int batch, Listener listener) {
    this.kafka = kafka;
    this.topic = topic;
    this.batch = batch;
    this.listener = listener;
  }

  /**
   * Follows {@code topic} on a daemon thread.
   *
   * @param fromNow read only what is written from now on (a topic that earlier runs wrote to); else
   *     the whole topic
   */
  public static MetricsMonitor follow(
      KafkaClients kafka, String topic, int batch, Listener listener, boolean fromNow) {
    MetricsMonitor monitor = new MetricsMonitor(kafka, topic, batch, listener);
    KafkaConsumer<byte[], byte[]> c = TopicReader.consumer(kafka);
    try {
      List<TopicPartition> parts = TopicReader.partitions(c, topic);
      c.assign(parts);
      if (fromNow) {
        c.seekToEnd(parts);
        parts.forEach(c::position); // resolved now, before the job writes
      } else {
        c.seekToBeginning(parts);
      }
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    monitor.consumer = c;
    monitor.thread = new Thread(monitor, "tlalign-metrics-monitor");
    monitor.thread.setDaemon(true);
    monitor.thread.start();
    return monitor;
  }

  /**
   * Ends a monitor that {@link #follow} started: once it has read the metric of {@code lastStep},
   * or after {@code grace}.
   */
  public void finish(long lastStep, Duration grace) throws InterruptedException {
    stopAfterStep(lastStep, grace);
    if (thread != null) {
      thread.join(grace.toMillis() + 15_000);
    }
  }

  /** Stops once a metric of {@code step} has been read, or after {@code grace}. */
  private void stopAfterStep(long step, Duration grace) {
    stopDeadline = System.nanoTime() + grace.toNanos();
    stopAfter = step;
  }

  /** What reading the topic failed with, or null. */
  public Exception failure() {
    return failure;
  }

  /** The training metrics read so far, in step order. */
  public synchronized List<TrainingMetric> metrics() {
    return List.copyOf(metrics);
  }

  /** Images/s between metric {@code from} and the newest (report times), or NaN. */
  public synchronized double rateOver(int from) {
    int n = metrics.size();
    if (n - from < 2) {
      return Double.NaN;
    }
    TrainingMetric a = metrics.get(from);
    TrainingMetric b = metrics.get(n - 1);
    double seconds = (b.getTime().toEpochMilli() - a.getTime().toEpochMilli()) / 1000.0;
    long steps = b.getStep() - a.getStep();
    return seconds > 0 ? steps * (double) batch / seconds : Double.NaN;
  }

  /** The mean rate from the first metric to the last, else the last metric's own rate. */
  public synchronized double meanImagesPerSecond() {
    double r = rateOver(0);
    if (!Double.isNaN(r) || metrics.isEmpty()) {
      return r;
    }
    return metrics.get(metrics.size() - 1).getImagesPerSecond();
  }

  @Override
  public void run() {
    AvroRecordCodec<TrainingMetric> codec = AvroRecordCodec.forTrainingMetric();
    try (KafkaConsumer<byte[], byte[]> c = consumer) {
      long lastStep = 0;
      while (lastStep < stopAfter && System.nanoTime() < stopDeadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
          TrainingMetric m = codec.decode(r.value());
          if (m.getAccuracy() != null || m.getStep() <= lastStep) {
            continue; // an evaluation metric, or a replay after a restore
          }
          if (m.getReplica() != null && m.getReplica() != 0) {
            continue; // with data-parallel replicas, replica 0 stands for the progress
          }
          lastStep = m.getStep();
          int n;
          synchronized (this) {
            metrics.add(m);
            n = metrics.size();
          }
          // The per-metric rate jumps around (checkpoints, GC): the listener gets the rate over
          // the last few metrics and the mean since the first.
          listener.onMetric(m, rateOver(Math.max(0, n - 6)), rateOver(0));
        }
      }
    } catch (Exception e) {
      if (!Thread.currentThread().isInterrupted()) {
        failure = e;
      }
    }
  }
}
