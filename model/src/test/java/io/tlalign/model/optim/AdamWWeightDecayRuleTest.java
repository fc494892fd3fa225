package io.tlalign.model.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** The no-decay predicate {@link WeightDecayRule} that {@link AdamW} applies per parameter. */
class AdamWWeightDecayRuleTest {

  @Test
  void matricesAndKernelsAreDecayed() {
    assertThat(WeightDecayRule.decays("blocks.0.attn.qkv.weight", new Shape(576, 192))).isTrue();
    assertThat(WeightDecayRule.decays("patch_embed.proj.weight", new Shape(192, 3, 16, 16)))
        .isTrue();
    assertThat(WeightDecayRule.decays("head.weight", new Shape(10, 192))).isTrue();
  }

  @Test
  void biasesAndNormParametersOfRankOneOrLessAreNotDecayed() {
    assertThat(WeightDecayRule.decays("blocks.0.attn.qkv.bias", new Shape(576))).isFalse();
    assertThat(WeightDecayRule.decays("blocks.0.norm1.gamma", new Shape(192))).isFalse();
    assertThat(WeightDecayRule.decays("blocks.0.norm1.beta", new Shape(192))).isFalse();
    assertThat(WeightDecayRule.decays("temperature", new Shape())).isFalse();
  }

  @Test
  void tokenAndPositionEmbeddingsAreNotDecayedWhateverTheirRank() {
    Shape tokens = new Shape(1, 197, 192);
    assertThat(WeightDecayRule.decays("pos_embed", tokens)).isFalse();
    assertThat(WeightDecayRule.decays("vit.posEmbed", tokens)).isFalse();
    assertThat(WeightDecayRule.decays("cls_token", new Shape(1, 1, 192))).isFalse();
    assertThat(WeightDecayRule.decays("01VisionTransformer_clsToken", new Shape(1, 1, 192)))
        .isFalse();
  }
}
