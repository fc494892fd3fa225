package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Shards of a flat vector, against ranges and values worked out by hand. */
class ShardLayoutTest {

  /** Parameters a = [1, 2, 3, 4] (2x2) and b = [5 .. 10] (6): ten elements. */
  private static TrainingState contribution(boolean withMoments) {
    List<NamedTensor> params =
        List.of(
            new NamedTensor("a", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
            new NamedTensor("b", new long[] {6}, new float[] {5, 6, 7, 8, 9, 10}));
    List<NamedTensor> m1 = new ArrayList<>();
    List<NamedTensor> m2 = new ArrayList<>();
    if (withMoments) {
      m1.add(new NamedTensor("a", new long[] {2, 2}, new float[] {11, 12, 13, 14}));
      m1.add(new NamedTensor("b", new long[] {6}, new float[] {15, 16, 17, 18, 19, 20}));
      m2.add(new NamedTensor("a", new long[] {2, 2}, new float[] {21, 22, 23, 24}));
      m2.add(new NamedTensor("b", new long[] {6}, new float[] {25, 26, 27, 28, 29, 30}));
    }
    return TrainingState.builder()
        .setPreset("vit-tiny-fm")
        .setStep(12)
        .setParameters(params)
        .optOptimizer(new OptimizerState(12, m1, m2))
        .optMetadata(Map.of(PayloadKind.KEY, "update"))
        .build();
  }

  @Test
  void tenElementsInThreeShardsAreThreeThreeAndFourAcrossTensorBoundaries() {
    ShardLayout layout = ShardLayout.of(contribution(false), 3);
    assertThat(layout.elements()).isEqualTo(10);
    // floor(s * 10 / 3): 0, 3, 6, 10
    assertThat(List.of(layout.start(0), layout.start(1), layout.start(2), layout.start(3)))
        .containsExactly(0L, 3L, 6L, 10L);
    assertThat(List.of(layout.count(0), layout.count(1), layout.count(2))).containsExactly(3, 3, 4);
    TrainingState s1 = layout.shard(contribution(false), 1);
    assertThat(ShardLayout.data(s1)).containsExactly(4f, 5f, 6f); // the end of a, start of b
    assertThat(ShardLayout.data(layout.shard(contribution(false), 2)))
        .containsExactly(7f, 8f, 9f, 10f);
    assertThat(s1.step()).isEqualTo(12);
    assertThat(PayloadKind.of(s1)).isEqualTo(PayloadKind.UPDATE);
  }

  @Test
  void withMomentsTheVectorIsParametersThenFirstThenSecondMoments() {
    TrainingState c = contribution(true);
    ShardLayout layout = ShardLayout.of(c, 4);
    assertThat(layout.elements()).isEqualTo(30);
    // floor(s * 30 / 4): 0, 7, 15, 22, 30
    assertThat(ShardLayout.data(layout.shard(c, 1)))
        .containsExactly(8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);
    List<float[]> shards = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      shards.add(ShardLayout.data(layout.shard(c, s)));
    }
    List<List<NamedTensor>> joined = ShardLayout.join(shards, c.parameters());
    assertThat(joined).hasSize(3);
    assertThat(joined.get(0)).isEqualTo(c.parameters());
    assertThat(joined.get(1)).isEqualTo(c.firstMoments());
    assertThat(joined.get(2)).isEqualTo(c.secondMoments());
  }

  @Test
  void moreShardsThanElementsGivesEmptyShardsThatStillJoin() {
    TrainingState c = contribution(false);
    ShardLayout layout = ShardLayout.of(c, 16);
    List<float[]> shards = new ArrayList<>();
    int total = 0;
    for (int s = 0; s < 16; s++) {
      float[] d = ShardLayout.data(layout.shard(c, s));
      total += d.length;
      shards.add(d);
    }
    assertThat(total).isEqualTo(10);
    assertThat(ShardLayout.join(shards, c.parameters()).get(0)).isEqualTo(c.parameters());
  }

  @Test
  void shardsOfAnotherModelAreRefusedByName() {
    List<float[]> shards = List.of(new float[] {1, 2, 3}, new float[] {4, 5, 6, 7});
    assertThatThrownBy(() -> ShardLayout.join(shards, contribution(false).parameters()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("hold 7 elements, not the model's 10")
        .hasMessageContaining("same model");
  }

  @Test
  void aStepWithoutGradientsGivesShardsWithoutTensors() {
    TrainingState empty =
        TrainingState.builder()
            .setPreset("vit-tiny-fm")
            .setStep(3)
            .setParameters(List.of())
            .optOptimizer(new OptimizerState(3, List.of(), List.of()))
            .build();
    ShardLayout layout = new ShardLayout(10, 2);
    assertThat(layout.shard(empty, 0).parameters()).isEmpty();
    assertThat(ShardLayout.data(layout.shard(empty, 1))).isNull();
  }
}
