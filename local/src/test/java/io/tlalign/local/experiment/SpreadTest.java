package io.tlalign.local.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadTest {

  @Test
  void meanAndSampleStandardDeviation() {
    // 0.80, 0.90, 1.00: mean 0.9; squared deviations 0.01 + 0 + 0.01 over n - 1 = 2 -> sd 0.1.
    Spread s = Spread.of(List.of(0.80, 0.90, 1.00));
    assertThat(s.mean()).isCloseTo(0.9, within(1e-12));
    assertThat(s.sd()).isCloseTo(0.1, within(1e-12));
    assertThat(s.n()).isEqualTo(3);
    assertThat(s.format(4)).isEqualTo("0.9000±0.1000");
  }

  @Test
  void oneValueHasNoSpread() {
    assertThat(Spread.of(List.of(0.7)).sd()).isZero();
  }

  @Test
  void noValuesIsAnError() {
    assertThatThrownBy(() -> Spread.of(List.of())).hasMessageContaining("no values");
  }
}
