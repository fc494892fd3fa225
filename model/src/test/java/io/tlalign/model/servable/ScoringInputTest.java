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
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.DataConfig.Interpolation;
import io.tlalign.model.vit.VitModel;
import io.tlalign.model.vit.VitPresets;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What scoring feeds the model: the evaluation transform, then the data config's normalisation.
 * Expected tensors are written out by hand here (crop offsets and {@code (v / 255 - mean) / std}),
 * never taken from the code under test.
 */
@SuppressWarnings("try") // NoGrad is used for its close()
class ScoringInputTest {

  static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  /** Mean and std of a run that overrode vit-tiny-fm's 0.5: scoring must use these, not 0.5. */
  static final float MEAN = 0.3f;

  static final float STD = 0.2f;

  static TrainingState state;

  @BeforeAll
  static void aModelTrainedWithOtherMeanAndStd() {
    TestEngine.start();
    DataConfig data =
        VitPresets.dataConfig(VitPresets.VIT_TINY_FM)
            .withMean(new float[] {MEAN})
            .withStd(new float[] {STD});
    try (TrainingSession s =
        TrainingSession.create(
            TrainingConfig.defaults(VitPresets.VIT_TINY_FM, 9).withData(data), Device.cpu())) {
      state = s.captureState();
    }
  }

  @Test
  void aTwoByThreeRgbImageIsCentreCroppedAndNormalisedWithImageNetStatistics() {
    // 2x3 RGB, channel-last: pixel (y, x) = (10 y + x, 100 + 10 y + x, 200 + 10 y + x)
    byte[] raw = new byte[2 * 3 * 3];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        for (int c = 0; c < 3; c++) {
          raw[(y * 3 + x) * 3 + c] = (byte) (100 * c + 10 * y + x);
        }
      }
    }
    DataConfig twoByTwo =
        new DataConfig(2, 2, 3, IMAGENET_MEAN, IMAGENET_STD, 1.0, Interpolation.BICUBIC, false);
    float[] out = new float[12];
    ImagePixels.toModelInput(new U8Image(2, 3, 3, raw), twoByTwo, out, 0);
    // Shorter side 2 = size: no resize; the centre 2x2 starts at column round_half_even(0.5) = 0.
    float[] expected = new float[12];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 2; x++) {
          float v = 100 * c + 10 * y + x;
          expected[(c * 2 + y) * 2 + x] = (v / 255f - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        }
      }
    }
    assertThat(out).containsExactly(expected);
    assertThat(out[0]).isCloseTo((0 / 255f - 0.485f) / 0.229f, within(1e-6f)); // -2.1179
  }

  @Test
  void aGreyImageForAColourModelIsReplicatedAndCroppedFromTheMiddle() {
    // 2x4 grey: the centre 2x2 starts at column (4 - 2) / 2 = 1.
    byte[] raw = {10, 20, 30, 40, 50, 60, 70, (byte) 200};
    DataConfig twoByTwo =
        new DataConfig(2, 2, 3, IMAGENET_MEAN, IMAGENET_STD, 1.0, Interpolation.BICUBIC, false);
    float[] out = new float[12];
    ImagePixels.toModelInput(new U8Image(2, 4, 1, raw), twoByTwo, out, 0);
    int[] kept = {20, 30, 60, 70};
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 4; i++) {
        assertThat(out[c * 4 + i]).isEqualTo((kept[i] / 255f - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);
      }
    }
  }

  @Test
  void theDeitPresetsScoreWithImageNetMeanAndStd() {
    DataConfig deit = VitPresets.dataConfig(VitPresets.DEIT_TINY);
    assertThat(deit.normalise(0, 0)).isEqualTo((0f - 0.485f) / 0.229f);
    assertThat(deit.normalise(255, 2)).isEqualTo((1f - 0.406f) / 0.225f);
    DataConfig fm = VitPresets.dataConfig(VitPresets.VIT_TINY_FM);
    assertThat(fm.normalise(0, 0)).isEqualTo(-1f);
    assertThat(fm.normalise(255, 0)).isEqualTo(1f);
  }

  @Test
  void aModelFileRecordsItsDataConfigAndTheScorerUsesIt() {
    assertThat(state.metadata())
        .containsEntry(DataConfig.META_MEAN, "0.3")
        .containsEntry(DataConfig.META_STD, "0.2")
        .containsEntry(DataConfig.META_CROP_PCT, "1.0")
        .containsEntry(DataConfig.META_INTERPOLATION, "bicubic");
    try (VitScorer scorer = VitScorer.open(state, 10)) {
      assertThat(scorer.data().mean()).containsExactly(MEAN);
      assertThat(scorer.data().std()).containsExactly(STD);
    }
    DataConfig fm = VitPresets.dataConfig(VitPresets.VIT_TINY_FM);
    assertThat(fm.withMetadata(fm.toMetadata())).isEqualTo(fm);
    DataConfig deit = VitPresets.dataConfig(VitPresets.DEIT_TINY);
    assertThat(deit.withMetadata(deit.toMetadata())).isEqualTo(deit);
    assertThatThrownBy(() -> fm.withMetadata(java.util.Map.of(DataConfig.META_MEAN, "0.1,0.2")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data.mean=0.1,0.2")
        .hasMessageContaining("need one value per channel (1)");
  }

  @Test
  void theServableScoresAPngOfAnotherSizeAsTheModelScoresTheHandTransformedTensor()
      throws Exception {
    // 28 rows x 30 columns: shorter side 28 = size, so no resize; the centre crop drops column 0
    // and column 29 (offset (30 - 28) / 2 = 1).
    BufferedImage png = new BufferedImage(30, 28, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 30; x++) {
        png.getRaster().setSample(x, y, 0, (7 * y + 3 * x) % 256);
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageIO.write(png, "png", bytes);
    // The same pattern as raw pixels at the input size, columns 0..27 of it.
    byte[] raw = new byte[784];
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        raw[y * 28 + x] = (byte) ((7 * y + 3 * x) % 256);
      }
    }
    float[] hand = new float[2 * 784];
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        hand[y * 28 + x] = (((7 * y + 3 * (x + 1)) % 256) / 255f - MEAN) / STD;
        hand[784 + y * 28 + x] = (((7 * y + 3 * x) % 256) / 255f - MEAN) / STD;
      }
    }
    float[] expected = forward(hand, 2);

    List<Row> rows = new ArrayList<>();
    rows.add(new Row(new ArrayList<>(List.of(bytes.toByteArray()))));
    rows.add(new Row(new ArrayList<>(List.of(raw))));
    DataFrame df =
        new DataFrame(
            new ArrayList<>(List.of("features")),
            new ArrayList<>(List.of(DataTypes.BYTE_STRING)),
            rows);
    try (TlAlignVitModelServable servable = new TlAlignVitModelServable().setModelData(state)) {
      List<Row> out = servable.transform(df).collect();
      for (int i = 0; i < 2; i++) {
        double[] logits = ((DenseVector) out.get(i).get(3)).toArray();
        for (int k = 0; k < 10; k++) {
          assertThat(logits[k])
              .as("image %d class %d", i, k)
              .isCloseTo(expected[i * 10 + k], within(1e-5));
        }
      }
    }
  }

  /** Logits of a model rebuilt from seed 9 (the state's parameters) on {@code pixels}. */
  static float[] forward(float[] pixels, int n) {
    try (VitModel m = VitModel.create(VitPresets.VIT_TINY_FM, 9, Device.cpu());
        NDManager sm = m.newStepManager();
        NoGrad ng = NoGrad.enter()) {
      for (int i = 0; i < state.parameters().size(); i++) {
        assertThat(m.parameters().valueAt(i).getArray().toFloatArray())
            .containsExactly(state.parameters().get(i).data());
      }
      return m.forward(sm.create(pixels, new Shape(n, 1, 28, 28)), false).get(0).toFloatArray();
    }
  }
}
