package io.tlalign.job.ml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.datasets.Split;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.weights.IncompatibleWeightsException;
import io.tlalign.model.weights.Safetensors;
import io.tlalign.model.weights.WeightNames;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The estimator's {@code initFrom} and transform params: a fit starts from the file's tensors (the
 * PyTorch script's fixture) and records the data config it trained with; weights that do not fit
 * are refused before any job runs, with the strict loader's list.
 */
class TlAlignVitClassifierInitFromTest {

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static final Path FIXTURES = Path.of("../model/src/test/resources/weights");

  /**
   * AdamW moves a parameter by at most lr (1 + wd |p|) in its first steps; at 1e-30 that is far
   * below half a float32 ulp of every fixture value (all have |p| > 1e-20), so the steps count but
   * no bit moves.
   */
  static final double FROZEN_LR = 1e-30;

  static StreamExecutionEnvironment env;
  static StreamTableEnvironment tEnv;
  static Table train;

  @BeforeAll
  static void eightImages() throws Exception {
    env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    tEnv = StreamTableEnvironment.create(env);
    train = FashionMnistTables.table(tEnv, env, FashionMnistTables.rows(Split.TRAIN, 8));
  }

  @Test
  void aFitWithInitFromStartsFromTheFilesTensorsAndRecordsItsDataConfig() throws Exception {
    Path file = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    TlAlignVitModel fitted =
        new TlAlignVitClassifier()
            .setInitFrom(file.toString())
            .setBatchSize(4)
            .setWarmupSteps(0L)
            .setLearningRate(FROZEN_LR)
            .setMean(0.25)
            .setStd(0.125)
            .setCropPct(0.9)
            .setInterpolation("bilinear")
            .fit(train);
    TrainingState state =
        TrainingStateFormat.fromBytes(ModelDataTable.read(fitted.getModelData()[0]));
    assertThat(state.step()).isEqualTo(2); // 8 rows in batches of 4
    assertThat(state.optimizerStepCount()).isEqualTo(2);
    Map<String, NamedTensor> expected = Safetensors.read(file).tensors();
    assertThat(state.parameters()).hasSize(expected.size());
    for (NamedTensor p : state.parameters()) {
      String timm = WeightNames.modelToTimm(p.name()).orElseThrow();
      assertThat(p.shape()).as(timm).containsExactly(expected.get(timm).shape());
      assertThat(p.data()).as(timm).containsExactly(expected.get(timm).data());
    }
    assertThat(state.metadata())
        .containsEntry(DataConfig.META_MEAN, "0.25")
        .containsEntry(DataConfig.META_STD, "0.125")
        .containsEntry(DataConfig.META_CROP_PCT, "0.9")
        .containsEntry(DataConfig.META_INTERPOLATION, "bilinear");
  }

  @Test
  void weightsOfAnotherShapeAreRefusedWithTheStrictList() {
    Path other = FIXTURES.resolve("rgb-small-timm.safetensors");
    TlAlignVitClassifier c =
        new TlAlignVitClassifier().setInitFrom(other.toString()).setBatchSize(4).setWarmupSteps(0L);
    assertThatThrownBy(() -> c.fit(train))
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining("weights in " + other)
        .hasMessageContaining("do not fit preset vit-tiny-fm")
        .hasMessageContaining("patch_embed.proj.weight: file shape");
    Path missing = FIXTURES.resolve("no-such.safetensors");
    assertThatThrownBy(
            () ->
                new TlAlignVitClassifier()
                    .setInitFrom(missing.toString())
                    .setBatchSize(4)
                    .setWarmupSteps(0L)
                    .fit(train))
        .hasMessageContaining("tlalign.init-from " + missing + " cannot be read");
  }

  @Test
  void transformParamsAreRefusedWithTheValueAndWhatIsAccepted() {
    TlAlignVitClassifier c = new TlAlignVitClassifier();
    assertThatThrownBy(() -> c.setScale(0.5, 0.1))
        .hasMessage(
            "Parameter scale is given an invalid value [0.5, 0.1]; it must be null or two numbers"
                + " 0 < lo <= hi <= 1, e.g. [0.08, 1.0]");
    assertThatThrownBy(() -> c.setInterpolation("nearest"))
        .hasMessage(
            "Parameter interpolation is given an invalid value \"nearest\"; it must be null or one"
                + " of bilinear, bicubic");
    assertThatThrownBy(() -> c.setHflip(1.5)).hasMessageContaining("a number in [0, 1]");
    assertThatThrownBy(() -> c.setCropPct(0.0)).hasMessageContaining("null or a number in (0, 1]");
    assertThatThrownBy(() -> c.setStd(0.2, -1.0)).hasMessageContaining("one number > 0");
    assertThatThrownBy(() -> c.setInitFrom(" ")).hasMessageContaining("the path of a weights file");
    // Three means for a one-channel preset: refused by the data config when the fit starts.
    assertThatThrownBy(
            () ->
                new TlAlignVitClassifier()
                    .setMean(0.5, 0.5, 0.5)
                    .setBatchSize(4)
                    .setWarmupSteps(0L)
                    .fit(train))
        .hasMessageContaining("need one value per channel (1)");
  }
}
