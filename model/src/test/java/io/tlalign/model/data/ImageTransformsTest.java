package io.tlalign.model.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.DataConfig.Interpolation;
import io.tlalign.model.vit.VitPresets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** Every expected value here is worked out by hand in the comment next to it. */
class ImageTransformsTest {

  /** 0, 1, ..., h*w*c - 1 (mod 256) in RAW_U8 order. */
  private static U8Image ramp(int h, int w, int c) {
    byte[] b = new byte[h * w * c];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) i;
    }
    return new U8Image(h, w, c, b);
  }

  private static int[] values(U8Image img) {
    int[] v = new int[img.data().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = img.data()[i] & 0xff;
    }
    return v;
  }

  private static DataConfig grey(int size, double cropPct, Interpolation interpolation) {
    return new DataConfig(
        size, size, 1, new float[] {0.5f}, new float[] {0.5f}, cropPct, interpolation, false);
  }

  private static DoubleSupplier script(double... draws) {
    Deque<Double> q = new ArrayDeque<>();
    for (double d : draws) {
      q.add(d);
    }
    return q::removeFirst;
  }

  @Test
  void luminanceIsPilsFixedPointL() {
    // (255*19595 + 32768) >> 16 = 5029493 >> 16 = 76
    assertThat(ImageTransforms.luminance(255, 0, 0)).isEqualTo(76);
    // (255*38470 + 32768) >> 16 = 9842618 >> 16 = 150
    assertThat(ImageTransforms.luminance(0, 255, 0)).isEqualTo(150);
    // (255*7471 + 32768) >> 16 = 1937873 >> 16 = 29
    assertThat(ImageTransforms.luminance(0, 0, 255)).isEqualTo(29);
    // 19595 + 38470 + 7471 = 65536, so white stays 255
    assertThat(ImageTransforms.luminance(255, 255, 255)).isEqualTo(255);
    // (195950 + 769400 + 224130 + 32768) >> 16 = 1222248 >> 16 = 18 (0.299*10+... = 18.15)
    assertThat(ImageTransforms.luminance(10, 20, 30)).isEqualTo(18);
  }

  @Test
  void channelConversionReplicatesGreyAndTakesLuminanceOfRgb() {
    U8Image grey = new U8Image(1, 2, 1, new byte[] {7, (byte) 200});
    assertThat(values(ImageTransforms.toChannels(grey, 3))).containsExactly(7, 7, 7, 200, 200, 200);
    U8Image rgb = new U8Image(1, 2, 3, new byte[] {(byte) 255, 0, 0, 10, 20, 30});
    assertThat(values(ImageTransforms.toChannels(rgb, 1))).containsExactly(76, 18);
  }

  @Test
  void centreCropOfA4x4IsItsMiddle2x2() {
    // rows 0..3 hold 0-3, 4-7, 8-11, 12-15; the middle is rows 1-2, columns 1-2
    assertThat(values(ImageTransforms.centreCrop(ramp(4, 4, 1), 2, 2)))
        .containsExactly(5, 6, 9, 10);
    // 5x5 to 2x2: offset round(1.5) = 2 (half to even, as Python's round): rows/cols 2-3
    assertThat(values(ImageTransforms.centreCrop(ramp(5, 5, 1), 2, 2)))
        .containsExactly(12, 13, 17, 18);
  }

  @Test
  void evaluationResizesToSizeOverCropPctThenCrops() {
    // size 2, crop_pct 0.5: floor(2 / 0.5) = 4, so a 4x4 is not resized, only centre-cropped
    assertThat(
            values(ImageTransforms.evaluation(ramp(4, 4, 1), grey(2, 0.5, Interpolation.BICUBIC))))
        .containsExactly(5, 6, 9, 10);
  }

  @Test
  void evaluationWithCropPctOneLeavesAnImageAtInputSizeUnchanged() {
    U8Image img = ramp(28, 28, 1);
    assertThat(
            ImageTransforms.evaluation(img, VitPresets.dataConfig(VitPresets.VIT_TINY_FM)).data())
        .isEqualTo(img.data());
  }

  @Test
  void vitTinyFmNormalisesBitIdenticallyToImagePixels() {
    DataConfig cfg = VitPresets.dataConfig(VitPresets.VIT_TINY_FM);
    assertThat(cfg.height()).isEqualTo(28);
    assertThat(cfg.channels()).isEqualTo(1);
    assertThat(cfg.cropPct()).isEqualTo(1.0);
    U8Image img = ramp(16, 16, 1);
    float[] ours = new float[256];
    ImageTransforms.normalise(img, cfg, ours, 0);
    for (int i = 0; i < 256; i++) {
      // the formula vit-tiny-fm's pixels always had, (v / 255 - 0.5) / 0.5, in float
      float before = ((img.data()[i] & 0xff) / 255f - 0.5f) / 0.5f;
      assertThat(Float.floatToIntBits(ours[i])).isEqualTo(Float.floatToIntBits(before));
    }
  }

  @Test
  void deitPresetsCropAtPoint875AndTrainWithRandomResizedCrop() {
    DataConfig cfg = VitPresets.dataConfig(VitPresets.DEIT_TINY);
    // timm's IMAGENET_DEFAULT_MEAN and IMAGENET_DEFAULT_STD, as deit_tiny_patch16_224's config
    assertThat(cfg.mean()).containsExactly(0.485f, 0.456f, 0.406f);
    assertThat(cfg.std()).containsExactly(0.229f, 0.224f, 0.225f);
    assertThat(cfg.cropPct()).isEqualTo(0.875);
    assertThat(cfg.randomResizedCrop()).isTrue();
    // size 224 / 0.875 = 256: a 256x512 image is cropped from the middle without a resize
    assertThat(ImageTransforms.evaluation(ramp(256, 512, 3), cfg).height()).isEqualTo(224);
  }

  @Test
  void bilinearHalvingAveragesWithPilsTriangleWeights() {
    // 1x4 -> 1x2: scale 2, support 2. Output 0 centres at 1.0 over inputs 0..2 with
    // weights tri((i - 1 + 0.5) / 2) = 0.75, 0.75, 0.25 -> 3/7, 3/7, 1/7:
    // 0*3/7 + 70*3/7 + 140/7 = 50. Output 1 centres at 3.0 over inputs 1..3 with 1/7, 3/7, 3/7:
    // 70/7 + 140*3/7 + 210*3/7 = 160.
    U8Image row = new U8Image(1, 4, 1, new byte[] {0, 70, (byte) 140, (byte) 210});
    assertThat(values(ImageTransforms.resize(row, 1, 2, Interpolation.BILINEAR)))
        .containsExactly(50, 160);
  }

  @Test
  void bicubicResizeKeepsAConstantImageConstant() {
    U8Image flat = new U8Image(3, 5, 1, new byte[15]);
    java.util.Arrays.fill(flat.data(), (byte) 93);
    for (int v : values(ImageTransforms.resize(flat, 7, 2, Interpolation.BICUBIC))) {
      assertThat(v).isEqualTo(93);
    }
  }

  @Test
  void randomResizedCropBoxFollowsTheDraws() {
    // area 100 * (0.08 + 0.92 * 0.5) = 54, aspect exp(log(3/4) + (log(4/3) - log(3/4)) * 0.5) = 1
    // -> w = h = round(sqrt(54)) = round(7.35) = 7; top, left drawn below 10 - 7 + 1 = 4
    List<Integer> bounds = new java.util.ArrayList<>();
    int[] box =
        ImageTransforms.randomResizedCropBox(
            10,
            10,
            new double[] {0.08, 1},
            new double[] {3.0 / 4, 4.0 / 3},
            script(0.5, 0.5),
            n -> {
              bounds.add(n);
              return n - 1 - bounds.size() + 1;
            });
    assertThat(bounds).containsExactly(4, 4);
    assertThat(box).containsExactly(3, 2, 7, 7);
  }

  @Test
  void randomResizedCropFallsBackToTheCentredRatioClampedImageAfterTenMisses() {
    // scale 1, ratio 2: w = round(sqrt(100 * 2)) = 14 > 10 every time; fallback: 10/10 < 2 so
    // w = 10, h = round(10 / 2) = 5, top = (10 - 5) / 2 = 2, left 0
    double[] draws = new double[20];
    int[] box =
        ImageTransforms.randomResizedCropBox(
            10, 10, new double[] {1, 1}, new double[] {2, 2}, script(draws), n -> 0);
    assertThat(box).containsExactly(2, 0, 5, 10);
  }

  @Test
  void trainingCropsResizesAndFlipsWithTheNextDraw() {
    // 4x4 ramp, scale 0.25, ratio 1: area 4 -> 2x2 box; top drawn below 3 -> 1, left -> 2:
    // rows 1-2, columns 2-3 = 6, 7, 10, 11; input size 2 so no resize; flip draw 0.1 < 0.5
    DataConfig cfg = grey(2, 1.0, Interpolation.BICUBIC);
    int[] next = {1, 2};
    int[] i = {0};
    U8Image out =
        ImageTransforms.training(
            ramp(4, 4, 1),
            cfg,
            new double[] {0.25, 0.25},
            new double[] {1, 1},
            0.5,
            script(0.0, 0.0, 0.1),
            n -> next[i[0]++]);
    assertThat(values(out)).containsExactly(7, 6, 11, 10);
  }
}
