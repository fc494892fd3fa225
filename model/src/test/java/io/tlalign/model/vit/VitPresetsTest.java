package io.tlalign.model.vit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.alignment.Pooling;
import org.junit.jupiter.api.Test;

class VitPresetsTest {

  @Test
  void presetsHaveThePublishedShapes() {
    assertThat(VitPresets.byName("deit-tiny"))
        .extracting(VitConfig::embedDim, VitConfig::depth, VitConfig::numHeads)
        .containsExactly(192, 12, 3);
    assertThat(VitPresets.byName("deit-small"))
        .extracting(VitConfig::embedDim, VitConfig::depth, VitConfig::numHeads)
        .containsExactly(384, 12, 6);
    assertThat(VitPresets.byName("deit-base"))
        .extracting(VitConfig::embedDim, VitConfig::depth, VitConfig::numHeads)
        .containsExactly(768, 12, 12);
    VitConfig fm = VitPresets.byName("vit-tiny-fm");
    assertThat(fm.numPatches()).isEqualTo(49);
    assertThat(fm.numTokens()).isEqualTo(50);
    assertThat(fm.numClasses()).isEqualTo(10);
    assertThat(VitPresets.DEIT_BASE.numTokens()).isEqualTo(197);
  }

  @Test
  void anUnknownNameIsRefusedWithTheValidNames() {
    assertThatThrownBy(() -> VitPresets.byName("deit-huge"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deit-huge")
        .hasMessageContaining("vit-tiny-fm, deit-tiny, deit-small, deit-base");
  }

  @Test
  void invalidShapesNameTheValueAndTheFix() {
    assertThatThrownBy(
            () -> new VitConfig("x", 28, 28, 1, 5, 64, 4, 4, 2, 10, Pooling.CLS, true, 1e-6f))
        .hasMessageContaining("patchSize 5")
        .hasMessageContaining("pick a patch size that divides both sides");
    assertThatThrownBy(
            () -> new VitConfig("x", 28, 28, 1, 4, 64, 4, 5, 2, 10, Pooling.CLS, true, 1e-6f))
        .hasMessageContaining("embedDim 64 is not a multiple of numHeads 5");
    assertThatThrownBy(
            () -> new VitConfig("x", 28, 28, 1, 4, 64, 0, 4, 2, 10, Pooling.CLS, true, 1e-6f))
        .hasMessageContaining("depth must be > 0, got 0");
  }
}
