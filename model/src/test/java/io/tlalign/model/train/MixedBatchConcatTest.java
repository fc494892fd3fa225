package io.tlalign.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MixedBatch#concat}: the whole batch one trainer sees where replicas each see a part. */
class MixedBatchConcatTest {

  @Test
  void joinsSamplesInOrderAndGivesEverySampleItsOwnTokenWeights() {
    // 1x1x2 images, N = 1 token: [N, 2] shared weights in the first part, [B, N, 2] in the second.
    MixedBatch first =
        new MixedBatch(
            7,
            1,
            1,
            2,
            new float[] {1, 2, 3, 4},
            new int[] {0, 1},
            new int[] {1, 0},
            1,
            new float[] {0.25f, 0.75f},
            0.25);
    MixedBatch second =
        new MixedBatch(
            8,
            1,
            1,
            2,
            new float[] {5, 6},
            new int[] {2},
            new int[] {3},
            1,
            new float[] {0.5f, 0.5f},
            0.5);

    MixedBatch joined = MixedBatch.concat(List.of(first, second));

    assertThat(joined.batchIndex()).isEqualTo(7);
    assertThat(joined.batchSize()).isEqualTo(3);
    assertThat(joined.pixels()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(joined.labelsA()).containsExactly(0, 1, 2);
    assertThat(joined.labelsB()).containsExactly(1, 0, 3);
    assertThat(joined.sharedTokenWeights()).isFalse();
    assertThat(joined.tokenWeights()).containsExactly(0.25f, 0.75f, 0.25f, 0.75f, 0.5f, 0.5f);
    assertThat(joined.lambda()).isEqualTo(0.375); // (0.25 + 0.5) / 2
  }

  @Test
  void perSampleWeightsRepeatASharedTableAndKeepAPerSampleOne() {
    MixedBatch shared =
        new MixedBatch(
            0,
            1,
            1,
            1,
            new float[] {0, 0},
            new int[] {0, 0},
            new int[] {0, 0},
            1,
            new float[] {0.1f, 0.9f},
            0.1);
    assertThat(shared.tokenWeightsPerSample()).containsExactly(0.1f, 0.9f, 0.1f, 0.9f);
    MixedBatch own =
        new MixedBatch(
            0,
            1,
            1,
            1,
            new float[] {0, 0},
            new int[] {0, 0},
            new int[] {0, 0},
            1,
            new float[] {0.1f, 0.9f, 0.2f, 0.8f},
            0.1);
    assertThat(own.tokenWeightsPerSample()).containsExactly(0.1f, 0.9f, 0.2f, 0.8f);
  }
}
