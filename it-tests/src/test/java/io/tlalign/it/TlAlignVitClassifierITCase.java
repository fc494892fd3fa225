package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.JobTopics;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.ml.ImageRows;
import io.tlalign.job.ml.TlAlignVitClassifier;
import io.tlalign.job.ml.TlAlignVitModel;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink ML fit against the streaming job on the same images with the same settings: the
 * streaming job trains from a real broker and publishes its model; the fit trains on a table of the
 * same records in the same order; both are scored on held-out images.
 */
class TlAlignVitClassifierITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  @TempDir static Path work;

  static final int TRAIN = 2048;
  static final int TEST = 500;
  static final int BATCH = 32;
  static final long STEPS = TRAIN / BATCH; // 64

  @Test
  void aFitReachesTheStreamingJobsAccuracyOnTheSameImages() throws Exception {
    FashionMnistFiles.Images train = FashionMnistFiles.read("train", TRAIN);
    FashionMnistFiles.Images test = FashionMnistFiles.read("t10k", TEST);

    // The streaming job: the images on a fresh topic, in order, then a bounded run.
    Configuration conf = jobConfig();
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      kafka.sendImages(conf.get(TlAlignOptions.TRAIN_TOPIC), "fashion-mnist/train/", train);
    }
    StreamExecutionEnvironment jobEnv = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    TlAlignJob.build(jobEnv, conf);
    jobEnv.execute("tlalign-it-fit-baseline");
    TrainingState streamed = JobRuns.lastModel(conf);
    assertThat(streamed.step()).isEqualTo(STEPS);
    double streamAccuracy = JobRuns.testAccuracy(conf, streamed, test);

    // The fit: the same records as a table, the same settings as Params.
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    TlAlignVitModel model =
        new TlAlignVitClassifier()
            .setBatchSize(BATCH)
            .setWarmupSteps(conf.get(TlAlignOptions.WARMUP_STEPS))
            .setLearningRate(conf.get(TlAlignOptions.LEARNING_RATE))
            .setIdCol("id")
            .fit(table(tEnv, env, train, "fashion-mnist/train/"));
    int correct = 0;
    try (CloseableIterator<Row> it =
        model.transform(table(tEnv, env, test, "fashion-mnist/test/"))[0].execute().collect()) {
      while (it.hasNext()) {
        Row r = it.next();
        if (r.getField("prediction").equals(r.getField("label"))) {
          correct++;
        }
      }
    }
    double fitAccuracy = correct / (double) TEST;
    System.out.printf(
        "TlAlignVitClassifierITCase: %d steps of %d; streaming job accuracy %.4f, fit %.4f%n",
        STEPS, BATCH, streamAccuracy, fitAccuracy);

    // The same operators, records, order and seeds: the fit's parameters are the job's, bit for
    // bit (the project's determinism with one engine thread; see ExactRecoveryITCase).
    TrainingState fitted;
    try (CloseableIterator<Row> it = model.getModelData()[0].execute().collect()) {
      fitted = TrainingStateFormat.fromBytes((byte[]) it.next().getField(0));
    }
    assertThat(fitted.step()).isEqualTo(STEPS);
    assertThat(fitted.optimizerStepCount()).isEqualTo(streamed.optimizerStepCount());
    assertSameTensors("parameter", fitted.parameters(), streamed.parameters());
    assertSameTensors("first moment", fitted.firstMoments(), streamed.firstMoments());
    assertSameTensors("second moment", fitted.secondMoments(), streamed.secondMoments());

    // Chance is 10%: both learned.
    assertThat(streamAccuracy).isGreaterThan(0.2);
    // One standard error of an accuracy near 30% on 500 images is 2 points, of a difference of
    // two 3: within noise is within 2.5 of those.
    assertThat(Math.abs(fitAccuracy - streamAccuracy)).isLessThanOrEqualTo(0.07);
  }

  private static Configuration jobConfig() {
    String run = JobRuns.newRunId();
    Configuration conf = JobRuns.onOwnTopics(KAFKA.bootstrapServers(), work, run);
    conf.set(TlAlignOptions.TRAIN_TOPIC, "images.train." + run);
    conf.set(TlAlignOptions.GROUP_ID, "it-fit-" + run);
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.BATCH_SIZE, BATCH);
    conf.set(TlAlignOptions.WARMUP_STEPS, 5L);
    conf.set(TlAlignOptions.TOTAL_STEPS, STEPS);
    conf.set(TlAlignOptions.LEARNING_RATE, 2e-3);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(5));
    JobTopics.ensure(conf);
    return conf;
  }

  private static Table table(
      StreamTableEnvironment tEnv,
      StreamExecutionEnvironment env,
      FashionMnistFiles.Images images,
      String idPrefix) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < images.labels().length; i++) {
      rows.add(Row.of(idPrefix + i, images.pixels()[i], images.labels()[i]));
    }
    return tEnv.fromDataStream(env.fromData(rows, ImageRows.TYPE));
  }

  /** Same names, same order, the same floats bit for bit. */
  private static void assertSameTensors(
      String what, List<NamedTensor> actual, List<NamedTensor> expected) {
    assertThat(actual).as(what + "s").isNotEmpty().hasSameSizeAs(expected);
    for (int i = 0; i < actual.size(); i++) {
      assertThat(actual.get(i).name()).isEqualTo(expected.get(i).name());
      assertThat(actual.get(i).data())
          .as(what + " " + actual.get(i).name())
          .containsExactly(expected.get(i).data());
    }
  }
}
