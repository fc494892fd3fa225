package io.tlalign.cli;

import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.operators.TrainingTimes;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.local.MetricsMonitor;
import io.tlalign.local.TopicReader;
import io.tlalign.local.demo.ProgressLine;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@code train} shows while its job runs and after: the progress line of the demo (from the
 * metrics the job writes from now on) and a closing summary of the run: steps, records read, dead
 * letters, elapsed time, images/s and the final model.
 */
final class TrainingWatch implements AutoCloseable {

  private final Configuration conf;
  private final KafkaClients kafka;
  private final ProgressLine progress;
  private final MetricsMonitor monitor;
  private final Map<TopicPartition, Long> deadLettersBefore;
  private final long t0 = System.nanoTime();
  private boolean finished;

  private TrainingWatch(Configuration conf, PrintWriter err, boolean terminal) {
    this.conf = conf;
    this.kafka = KafkaClients.from(conf);
    long total = conf.get(TlAlignOptions.TOTAL_STEPS);
    int batch = conf.get(TlAlignOptions.BATCH_SIZE);
    this.deadLettersBefore = deadLetterEnds(kafka, conf.get(TlAlignOptions.DEAD_LETTER_TOPIC));
    this.progress = new ProgressLine(err, "train", terminal, total);
    this.monitor =
        MetricsMonitor.follow(
            kafka, conf.get(TlAlignOptions.METRICS_TOPIC), batch, progress.listener(batch), true);
  }

  /** Starts following the job's metrics topic; call before the job starts. */
  static TrainingWatch start(Configuration conf, PrintWriter err, boolean terminal) {
    return new TrainingWatch(conf, err, terminal);
  }

  /**
   * Waits for the metric of the job's last step, ends the progress line and returns the summary.
   */
  String summary(JobExecutionResult result, String finalModel) throws InterruptedException {
    long step = longAccumulator(result, TrainFunction.STEP_ACCUMULATOR);
    stop(step > 0 ? step : conf.get(TlAlignOptions.TOTAL_STEPS));
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long images = Math.max(0, longAccumulator(result, TrainingTimes.IMAGES));
    long deadLetters = countDeadLetters();
    double rate = monitor.meanImagesPerSecond();
    if (Double.isNaN(rate)) {
      rate = elapsed > 0 ? images / elapsed : 0;
    }
    return String.format(
        Locale.ROOT,
        "train: steps=%d records=%s dead_letters=%s elapsed_s=%.1f images_per_s=%.1f model=%s",
        step,
        deadLetters < 0 ? images + "+" : Long.toString(images + deadLetters),
        deadLetters < 0 ? "unknown" : Long.toString(deadLetters),
        elapsed,
        rate,
        finalModel.isEmpty() ? "none" : finalModel);
  }

  /**
   * The dead-letter topic's end offsets now, or null when this principal may not read them: a
   * production job's user writes dead letters but often may not read them back, and the summary
   * must not turn a finished run into a failure.
   */
  private static Map<TopicPartition, Long> deadLetterEnds(KafkaClients kafka, String topic) {
    try {
      return TopicReader.endOffsets(kafka, topic);
    } catch (KafkaException e) {
      return null;
    }
  }

  /** The dead letters the run wrote, or -1 when they cannot be read back. */
  private long countDeadLetters() {
    if (deadLettersBefore == null) {
      return -1;
    }
    try {
      return TopicReader.countSince(
          kafka, conf.get(TlAlignOptions.DEAD_LETTER_TOPIC), deadLettersBefore);
    } catch (KafkaException e) {
      return -1;
    }
  }

  private void stop(long lastStep) throws InterruptedException {
    if (!finished) {
      finished = true;
      monitor.finish(lastStep, Duration.ofSeconds(15));
      progress.finish();
    }
  }

  /** Ends the progress line of a job that failed: the error follows on a line of its own. */
  @Override
  public void close() throws InterruptedException {
    if (!finished) {
      finished = true;
      monitor.finish(0, Duration.ZERO);
      progress.finish();
    }
  }

  private static long longAccumulator(JobExecutionResult result, String name) {
    Object value = result.getAllAccumulatorResults().get(name);
    return value instanceof Number n ? n.longValue() : -1;
  }
}
