package io.tlalign.model.vit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class VitFlopsTest {

  @Test
  void deitTinyComesToThePapersMultiplyAdds() {
    // DeiT paper, Table 1: DeiT-Ti 1.3 G (multiply-adds) at 224x224.
    assertThat(VitFlops.forwardMultiplyAdds(VitPresets.DEIT_TINY) / 1e9)
        .isCloseTo(1.3, within(0.06));
    assertThat(VitFlops.forwardMultiplyAdds(VitPresets.DEIT_SMALL) / 1e9)
        .isCloseTo(4.6, within(0.15));
  }

  @Test
  void vitTinyFmCountedByHand() {
    // N = 50 tokens, D = 64, hidden 128, depth 4; 49 patches of 4x4x1; head 64 x 10.
    long block = 50L * 64 * 192 + 2L * 50 * 50 * 64 + 50L * 64 * 64 + 2L * 50 * 64 * 128;
    long expected = 49L * 16 * 64 + 4 * block + 64L * 10;
    assertThat(VitFlops.forwardMultiplyAdds(VitPresets.VIT_TINY_FM)).isEqualTo(expected);
    assertThat(VitFlops.trainingFlopsPerImage(VitPresets.VIT_TINY_FM)).isEqualTo(6 * expected);
  }
}
