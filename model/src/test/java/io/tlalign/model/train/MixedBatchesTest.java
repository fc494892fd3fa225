package io.tlalign.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.alignment.Box;
import io.tlalign.alignment.CutMixSample;
import io.tlalign.alignment.TokenLayout;
import org.junit.jupiter.api.Test;

class MixedBatchesTest {

  // 2 channels of 4x4 pixels, patch 2: a 2x2 grid plus the class token = 5 tokens.
  private static final TokenLayout LAYOUT = new TokenLayout(4, 4, 2, true);

  private static float[] images(int count) {
    float[] px = new float[count * 2 * 16];
    for (int i = 0; i < px.length; i++) {
      px[i] = i; // every pixel unique: value = flat index
    }
    return px;
  }

  @Test
  void cutMixPastesThePartnersBoxInEveryChannelAndWeighsTheTokens() {
    float[] images = images(3);
    // Rows [1, 3), columns [0, 2): 4 of 16 pixels; covers half of patch (0,0) and of patch (1,0).
    CutMixSample sample = new CutMixSample(new Box(1, 3, 0, 2), 0.8, 0.75);
    MixedBatch b =
        MixedBatches.cutMix(9, LAYOUT, 2, images, new int[] {4, 5, 6}, sample, new int[] {2, 1, 0});

    assertThat(b.batchIndex()).isEqualTo(9);
    assertThat(b.labelsA()).containsExactly(4, 5, 6);
    assertThat(b.labelsB()).containsExactly(6, 5, 4);
    assertThat(b.lambda()).isEqualTo(0.75);
    for (int i = 0; i < 3; i++) {
      int partner = 2 - i;
      for (int c = 0; c < 2; c++) {
        for (int y = 0; y < 4; y++) {
          for (int x = 0; x < 4; x++) {
            boolean inBox = y >= 1 && y < 3 && x < 2;
            int source = inBox ? partner : i;
            assertThat(b.pixels()[((i * 2 + c) * 4 + y) * 4 + x])
                .as("sample %d channel %d pixel (%d,%d)", i, c, y, x)
                .isEqualTo((float) (((source * 2 + c) * 4 + y) * 4 + x));
          }
        }
      }
    }
    assertThat(images[16]).as("input not modified").isEqualTo(16f);
    assertThat(b.sharedTokenWeights()).isTrue();
    // cls [lambda, 1 - lambda]; patch (0,0) half in the box; (0,1) out; (1,0) half; (1,1) out.
    assertThat(b.tokenWeights())
        .containsExactly(0.75f, 0.25f, 0.5f, 0.5f, 1f, 0f, 0.5f, 0.5f, 1f, 0f);
  }

  @Test
  void anUnmixedBatchIsItsOwnPartner() {
    MixedBatch b = MixedBatches.unmixed(0, LAYOUT, 2, images(2), new int[] {1, 3});
    assertThat(b.pixels()).containsExactly(images(2));
    assertThat(b.labelsB()).containsExactly(1, 3);
    assertThat(b.lambda()).isEqualTo(1.0);
    assertThat(b.tokenWeights()).containsExactly(1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f);
  }

  @Test
  void inconsistentSizesAreRefusedWithTheNumbers() {
    assertThatThrownBy(
            () ->
                new MixedBatch(
                    0, 1, 4, 4, new float[15], new int[1], new int[1], 5, new float[10], 1.0))
        .hasMessageContaining("pixels has 15 floats but 1 images of 1x4x4 need 16");
    assertThatThrownBy(
            () ->
                new MixedBatch(
                    0, 1, 4, 4, new float[16], new int[1], new int[1], 5, new float[7], 1.0))
        .hasMessageContaining("tokenWeights has 7 floats");
    assertThatThrownBy(
            () ->
                MixedBatches.cutMix(
                    0,
                    LAYOUT,
                    2,
                    images(2),
                    new int[] {0, 1},
                    new CutMixSample(Box.empty(), 1, 1),
                    new int[] {0, 2}))
        .hasMessageContaining("partner index 2 is outside [0, 2)");
  }
}
