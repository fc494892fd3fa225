package io.tlalign.model.servable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tlalign.model.NoGrad;
import io.tlalign.model.TestEngine;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitModel;
import io.tlalign.model.vit.VitPresets;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The servable on this module's classpath, which has flink-core and flink-ml-servable-core but no
 * Flink runtime, streaming or table classes: scoring works without them.
 */
@SuppressWarnings("try") // NoGrad is used for its close()
class TlAlignVitModelServableTest {

  static final int N = 12;

  @TempDir static Path tmp;
  static byte[][] images;
  static TrainingState state;

  @BeforeAll
  static void aModelFileAndImages() throws Exception {
    TestEngine.start();
    SplittableRandom r = new SplittableRandom(5);
    images = new byte[N][784];
    for (byte[] img : images) {
      for (int p = 0; p < img.length; p++) {
        img[p] = (byte) r.nextInt(256);
      }
    }
    try (TrainingSession s =
        TrainingSession.create(TrainingConfig.defaults(VitPresets.VIT_TINY_FM, 9), Device.cpu())) {
      state = s.captureState();
    }
  }

  @Test
  void noFlinkRuntimeStreamingOrTableClassIsOnThisClasspath() {
    for (String name :
        List.of(
            "org.apache.flink.runtime.jobgraph.JobGraph",
            "org.apache.flink.streaming.api.environment.StreamExecutionEnvironment",
            "org.apache.flink.table.api.Table",
            "org.apache.flink.ml.api.Estimator")) {
      assertThatThrownBy(() -> Class.forName(name)).isInstanceOf(ClassNotFoundException.class);
    }
  }

  @Test
  void scoresAModelFileAsAnIndependentForwardPassAndSoftmaxDo() throws Exception {
    Path file = tmp.resolve("model-step-000000000-chk-1.tlas");
    try (OutputStream out = Files.newOutputStream(file)) {
      TrainingStateFormat.writeTo(state, out); // what ModelStore writes
    }
    double[][] expected = referenceLogits();
    try (TlAlignVitModelServable servable =
        TlAlignVitModelServable.fromModelFile(file.toUri().toString()).setBatchSize(5)) {
      DataFrame out = servable.transform(frame());
      assertThat(out.getColumnNames())
          .containsExactly("id", "features", "prediction", "probability", "rawPrediction");
      assertThat(out.getDataType("prediction")).isEqualTo(DataTypes.INT);
      List<Row> rows = out.collect();
      for (int i = 0; i < N; i++) {
        double[] logits = ((DenseVector) rows.get(i).get(4)).toArray();
        double[] p = ((DenseVector) rows.get(i).get(3)).toArray();
        double max = Double.NEGATIVE_INFINITY;
        int argMax = 0;
        double sum = 0;
        for (int k = 0; k < 10; k++) {
          assertThat(logits[k]).isCloseTo(expected[i][k], within(1e-4));
          if (expected[i][k] > max) {
            max = expected[i][k];
            argMax = k;
          }
        }
        for (int k = 0; k < 10; k++) {
          sum += Math.exp(expected[i][k] - max);
        }
        for (int k = 0; k < 10; k++) {
          assertThat(p[k]).isCloseTo(Math.exp(expected[i][k] - max) / sum, within(1e-5));
        }
        assertThat(rows.get(i).get(2)).isEqualTo(argMax);
        assertThat(rows.get(i).get(0)).isEqualTo("img-" + i); // input columns kept
      }
    }
  }

  /** One forward pass of all images on a model built from the state's parameters directly. */
  private static double[][] referenceLogits() {
    float[] pixels = new float[N * 784];
    for (int i = 0; i < N; i++) {
      for (int p = 0; p < 784; p++) {
        pixels[i * 784 + p] = ((images[i][p] & 0xff) / 255f - 0.5f) / 0.5f;
      }
    }
    try (VitModel m = VitModel.create(VitPresets.VIT_TINY_FM, 9, Device.cpu());
        NDManager sm = m.newStepManager();
        NoGrad ng = NoGrad.enter()) {
      // Seed 9 rebuilds the parameters the state was captured from; check it holds them.
      for (int i = 0; i < state.parameters().size(); i++) {
        assertThat(m.parameters().valueAt(i).getArray().toFloatArray())
            .containsExactly(state.parameters().get(i).data());
      }
      float[] flat =
          m.forward(sm.create(pixels, new Shape(N, 1, 28, 28)), false).get(0).toFloatArray();
      double[][] out = new double[N][10];
      for (int i = 0; i < N; i++) {
        for (int k = 0; k < 10; k++) {
          out[i][k] = flat[i * 10 + k];
        }
      }
      return out;
    }
  }

  private static DataFrame frame() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      rows.add(new Row(new ArrayList<>(List.of("img-" + i, images[i]))));
    }
    return new DataFrame(
        new ArrayList<>(List.of("id", "features")),
        new ArrayList<>(List.of(DataTypes.STRING, DataTypes.BYTE_STRING)),
        rows);
  }

  @Test
  void anImageOfTheWrongSizeIsRefusedWithItsSizeAndTheExpectedOne() throws Exception {
    try (TlAlignVitModelServable servable = new TlAlignVitModelServable().setModelData(state)) {
      List<Row> rows = new ArrayList<>(List.of(new Row(new ArrayList<>(List.of(new byte[100])))));
      DataFrame df =
          new DataFrame(
              new ArrayList<>(List.of("features")),
              new ArrayList<>(List.of(DataTypes.BYTE_STRING)),
              rows);
      assertThatThrownBy(() -> servable.transform(df))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("100 pixel bytes for a 28x28x1 image (need 784");
    }
  }

  @Test
  void scoringBeforeAnyModelDataSaysHowToGiveIt() {
    try (TlAlignVitModelServable servable = new TlAlignVitModelServable()) {
      assertThatThrownBy(() -> servable.transform(frame()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("call setModelData, load(path) or fromModelFile(uri)");
    }
  }

  @Test
  void pixelsAreNormalisedChannelFirst() {
    // 1x2 RGB image, channel-last in, [C, H, W] out, (v / 255 - 0.5) / 0.5 each.
    byte[] raw = {0, (byte) 255, 51, 102, (byte) 204, 127};
    float[] out = new float[6];
    float[] half = {0.5f, 0.5f, 0.5f};
    DataConfig oneByTwo =
        new DataConfig(1, 2, 3, half, half, 1.0, DataConfig.Interpolation.BICUBIC, false);
    ImagePixels.toModelInput(new U8Image(1, 2, 3, raw), oneByTwo, out, 0);
    int[] channelFirst = {0, 102, 255, 204, 51, 127};
    for (int i = 0; i < 6; i++) {
      assertThat(out[i]).isCloseTo((channelFirst[i] / 255f - 0.5f) / 0.5f, within(1e-7f));
    }
  }
}
