package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.DatasetReplayer;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.ProgressListener;
import io.tlalign.datasets.ReplaySpec;
import io.tlalign.datasets.Split;
import io.tlalign.job.JobTopics;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.publish.ModelStore;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs of the training job on a shared train topic, for tests that compare runs: each run gets its
 * own metrics, models and dead-letter topics, consumer group and model store.
 */
final class JobRuns {

  /** What a finished run leaves: its last published model and its trained-records ledger. */
  record Outcome(TrainingState state, List<String> ledger) {}

  private final String bootstrap;
  private final String trainTopic;
  private final Path work;

  private JobRuns(String bootstrap, String trainTopic, Path work) {
    this.bootstrap = bootstrap;
    this.trainTopic = trainTopic;
    this.work = work;
  }

  /**
   * Replays {@code images} Fashion-MNIST training images of the tests' subset ({@link
   * FashionMnistFiles#DIR}), shuffled, to a new topic.
   */
  static JobRuns onFreshTopic(String bootstrap, Path work, int images) throws Exception {
    String topic = "images.train." + UUID.randomUUID().toString().substring(0, 8);
    var summary =
        DatasetReplayer.replay(
            ReplaySpec.builder()
                .setDataset(FashionMnist.open(FashionMnistFiles.DIR, Split.TRAIN))
                .setTopic(topic)
                .optShuffleSeed(11)
                .optLimit(images)
                .build(),
            bootstrap,
            ProgressListener.NONE);
    assertThat(summary.records()).isEqualTo(images);
    return new JobRuns(bootstrap, topic, work);
  }

  /** A bounded run with the ledger on, batches of 32, one engine thread, restarts allowed. */
  Configuration config(String run) {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.TRAIN_TOPIC, trainTopic);
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter." + run);
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics." + run);
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models." + run);
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval." + run);
    conf.set(TlAlignOptions.GROUP_ID, "run-" + run);
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models-" + run).toUri().toString());
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.BATCH_SIZE, 32);
    conf.set(TlAlignOptions.WARMUP_STEPS, 10L);
    conf.set(TlAlignOptions.TOTAL_STEPS, 100L);
    conf.set(TlAlignOptions.INTRA_OP_THREADS, 1);
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 2);
    conf.set(TlAlignOptions.LEDGER, true);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    return conf;
  }

  static String newRunName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The job for {@code conf} on the current (test) cluster, not yet started. */
  static StreamExecutionEnvironment environment(Configuration conf) {
    JobTopics.ensure(conf);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.configure(conf);
    TlAlignJob.build(env, conf);
    return env;
  }

  /** Runs to the end of the topic and reads what the run left. */
  Outcome runToEnd(Configuration conf) throws Exception {
    return outcome(conf, execute(conf));
  }

  /** Runs to the end of the topic; the result holds the accumulators. */
  JobExecutionResult execute(Configuration conf) throws Exception {
    return environment(conf).execute("tlalign-" + conf.get(TlAlignOptions.GROUP_ID));
  }

  /** What a finished run left: its last model and the ledger of {@code result}. */
  Outcome outcome(Configuration conf, JobExecutionResult result) throws Exception {
    List<String> ledger = result.getAccumulatorResult(TrainFunction.LEDGER_ACCUMULATOR);
    return new Outcome(lastModel(conf), ledger);
  }

  /** The newest model the run published. */
  TrainingState lastModel(Configuration conf) throws Exception {
    List<ModelRef> refs = models(conf);
    assertThat(refs).as("published models").isNotEmpty();
    return ModelStore.read(refs.get(refs.size() - 1));
  }

  List<ModelRef> models(Configuration conf) throws Exception {
    AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
    try (KafkaTestClient kafka = new KafkaTestClient(bootstrap)) {
      List<ModelRef> out = new java.util.ArrayList<>();
      for (var r : kafka.readAll(conf.get(TlAlignOptions.MODELS_TOPIC))) {
        out.add(codec.decode(r.value()));
      }
      return out;
    }
  }
}
