package io.tlalign.local;

import io.tlalign.job.JobTopics;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One bounded training job on a local Flink cluster in this JVM, followed on its metrics topic
 * while it runs: what the demo and the experiment run, each run the real streaming job.
 */
public final class BoundedTrainingRun {

  /** What a finished run left: its training metrics, its published models and its rate. */
  public record Outcome(
      List<TrainingMetric> metrics,
      List<ModelRef> models,
      double meanImagesPerSecond,
      Duration trainingWall) {

    /** The model of the highest step. */
    public ModelRef newestModel() {
      return models.get(models.size() - 1);
    }
  }

  private BoundedTrainingRun() {}

  /**
   * Runs the job that {@code conf} describes (it must be bounded) to its end.
   *
   * @param onStart given the job's client once submitted, so that a caller can cancel it
   * @param listener told about each training metric while the job runs
   */
  public static Outcome run(
      Configuration conf,
      String jobName,
      Consumer<JobClient> onStart,
      MetricsMonitor.Listener listener)
      throws Exception {
    if (!conf.get(TlAlignOptions.BOUNDED)) {
      throw new IllegalArgumentException("a bounded run needs tlalign.bounded=true");
    }
    KafkaClients kafka = KafkaClients.from(conf);
    JobTopics.ensure(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
    TlAlignJob.build(env, conf);
    long t0 = System.nanoTime();
    JobClient client = env.executeAsync(jobName);
    onStart.accept(client);
    int batch = conf.get(TlAlignOptions.BATCH_SIZE);
    MetricsMonitor monitor =
        MetricsMonitor.follow(
            kafka, conf.get(TlAlignOptions.METRICS_TOPIC), batch, listener, false);
    Duration wall;
    try {
      client.getJobExecutionResult().get();
      wall = Duration.ofNanos(System.nanoTime() - t0);
    } finally {
      monitor.finish(conf.get(TlAlignOptions.TOTAL_STEPS), Duration.ofSeconds(15));
    }
    if (monitor.failure() != null) {
      throw new IllegalStateException("reading the metrics topic failed", monitor.failure());
    }
    List<TrainingMetric> metrics = monitor.metrics();
    if (metrics.isEmpty()) {
      throw new IllegalStateException("the training job published no metrics");
    }
    List<ModelRef> models = models(kafka, conf.get(TlAlignOptions.MODELS_TOPIC));
    if (models.isEmpty()) {
      throw new IllegalStateException(
          "the training job published no model on " + conf.get(TlAlignOptions.MODELS_TOPIC));
    }
    return new Outcome(metrics, models, monitor.meanImagesPerSecond(), wall);
  }

  /** The models published on {@code topic}, one per step, in step order. */
  static List<ModelRef> models(KafkaClients kafka, String topic)
      throws io.tlalign.schemas.codec.RecordDecodeException {
    AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
    List<ModelRef> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka, topic)) {
      out.add(codec.decode(r.value()));
    }
    out.sort(Comparator.comparingLong(ModelRef::getStep));
    List<ModelRef> unique = new ArrayList<>();
    for (ModelRef m : out) {
      if (!unique.isEmpty() && unique.get(unique.size() - 1).getStep() == m.getStep()) {
        unique.set(unique.size() - 1, m); // a re-publication after a restore: keep the later
      } else {
        unique.add(m);
      }
    }
    return unique;
  }
}
