package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
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
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.eval.Evaluator;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The tests' shared job set-up. An instance holds a train topic that several runs read, for tests
 * that compare runs; the static helpers give any test a MiniCluster, a run's options on topics of
 * its own, the models a run published, and polling with a deadline.
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
    String topic = "images.train." + newRunId();
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
    Configuration conf = onOwnTopics(bootstrap, work, run);
    conf.set(TlAlignOptions.TRAIN_TOPIC, trainTopic);
    conf.set(TlAlignOptions.GROUP_ID, "run-" + run);
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.BATCH_SIZE, 32);
    conf.set(TlAlignOptions.WARMUP_STEPS, 10L);
    conf.set(TlAlignOptions.TOTAL_STEPS, 100L);
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 2);
    conf.set(TlAlignOptions.LEDGER, true);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    return conf;
  }

  /**
   * What every test run sets the same way: the broker, dead-letter, metrics, models and eval topics
   * named after {@code run}, a model store of its own under {@code work}, one engine thread. The
   * test sets the train topic, the group and the rest.
   */
  static Configuration onOwnTopics(String bootstrap, Path work, String run) {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter." + run);
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics." + run);
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models." + run);
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval." + run);
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models-" + run).toUri().toString());
    conf.set(TlAlignOptions.INTRA_OP_THREADS, 1);
    return conf;
  }

  /** A short random name for a run's topics, group and model store. */
  static String newRunId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  static String newRunName(String prefix) {
    return prefix + "-" + newRunId();
  }

  /** A MiniCluster for a test class: {@code taskManagers} with {@code slots} each. */
  static MiniClusterExtension miniCluster(int taskManagers, int slots) {
    return miniCluster(taskManagers, slots, new Configuration());
  }

  /** {@link #miniCluster(int, int)} with the cluster's own {@code conf} (metrics, reporters). */
  static MiniClusterExtension miniCluster(int taskManagers, int slots, Configuration conf) {
    return new MiniClusterExtension(
        new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(taskManagers)
            .setNumberSlotsPerTaskManager(slots)
            .setConfiguration(conf)
            .build());
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

  /** The newest model the run of {@code conf} published. */
  static TrainingState lastModel(Configuration conf) throws Exception {
    List<ModelRef> refs = models(conf);
    assertThat(refs).as("published models").isNotEmpty();
    return ModelStore.read(refs.get(refs.size() - 1));
  }

  /** The models the run of {@code conf} published so far, oldest first. */
  static List<ModelRef> models(Configuration conf) throws Exception {
    try (KafkaTestClient kafka = new KafkaTestClient(conf.get(TlAlignOptions.BOOTSTRAP_SERVERS))) {
      return kafka.readAll(conf.get(TlAlignOptions.MODELS_TOPIC), AvroRecordCodec.forModelRef());
    }
  }

  /**
   * Top-1 accuracy of {@code state} on {@code test} through the streaming job's own evaluation path
   * (the Evaluator on a session restored with the run's settings), 100 images a batch.
   */
  static double testAccuracy(
      Configuration conf, TrainingState state, FashionMnistFiles.Images test) {
    int count = test.labels().length;
    float[] pixels = new float[count * 784];
    for (int i = 0; i < count; i++) {
      for (int p = 0; p < 784; p++) {
        pixels[i * 784 + p] = ((test.pixels()[i][p] & 0xff) / 255f - 0.5f) / 0.5f;
      }
    }
    try (TrainingSession session =
        TrainingSession.fromState(
            TrainerSettings.from(conf).trainingConfig(), Device.cpu(), state)) {
      return Evaluator.evaluate(session.model(), pixels, test.labels(), 100).accuracy();
    }
  }

  /** A check that a poll repeats until it holds. */
  interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Polls {@code condition} every 100 ms until it holds; an {@link AssertionError} "timed out
   * waiting for {@code what}" after {@code timeout}.
   */
  static void waitFor(String what, Duration timeout, Condition condition) throws Exception {
    if (!waitUpTo(timeout, condition)) {
      throw new AssertionError("timed out waiting for " + what + " (" + timeout + ")");
    }
  }

  /**
   * Polls {@code condition} every 100 ms for at most {@code timeout}; whether it held. For waits
   * whose outcome the test's own assertions judge.
   */
  static boolean waitUpTo(Duration timeout, Condition condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }
}
