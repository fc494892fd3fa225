package io.tlalign.model.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The value objects: {@link NamedTensor}, {@link OptimizerState}, {@link TrainingState}. */
class TrainingStateTest {

  @Test
  void namedTensorRefusesDataThatDoesNotFillItsShape() {
    assertThatThrownBy(() -> new NamedTensor("w", new long[] {2, 3}, new float[5]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'w' has shape [2, 3] (6 elements) but 5 data values");
    assertThatThrownBy(() -> new NamedTensor("w", new long[] {2, -3}, new float[0]))
        .hasMessageContaining("negative dimension -3");
    assertThatThrownBy(() -> new NamedTensor("w", new long[] {1L << 20, 1L << 20}, new float[0]))
        .hasMessageContaining("more than");
    assertThatThrownBy(() -> new NamedTensor(" ", new long[] {1}, new float[1]))
        .hasMessageContaining("blank");
  }

  @Test
  void namedTensorEqualityIsBitwise() {
    float nan1 = Float.intBitsToFloat(0x7FC00001);
    float nan2 = Float.intBitsToFloat(0x7FC00002);
    NamedTensor a = new NamedTensor("w", new long[] {2}, new float[] {nan1, -0.0f});
    NamedTensor same = new NamedTensor("w", new long[] {2}, new float[] {nan1, -0.0f});
    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(a).isNotEqualTo(new NamedTensor("w", new long[] {2}, new float[] {nan2, -0.0f}));
    assertThat(a).isNotEqualTo(new NamedTensor("w", new long[] {2}, new float[] {nan1, 0.0f}));
    assertThat(a).isNotEqualTo(new NamedTensor("w", new long[] {1, 2}, new float[] {nan1, -0.0f}));
  }

  @Test
  void namedTensorCopiesItsShape() {
    long[] shape = {2};
    NamedTensor t = new NamedTensor("w", shape, new float[2]);
    shape[0] = 7;
    t.shape()[0] = 9;
    assertThat(t.shape()).containsExactly(2);
  }

  @Test
  void optimizerStateNeedsMatchingMomentPairs() {
    NamedTensor w = new NamedTensor("w", new long[] {2}, new float[2]);
    NamedTensor b = new NamedTensor("b", new long[] {2}, new float[2]);
    assertThatThrownBy(() -> new OptimizerState(1, List.of(w), List.of()))
        .hasMessageContaining("1 first moments but 0 second moments");
    assertThatThrownBy(() -> new OptimizerState(1, List.of(w), List.of(b)))
        .hasMessageContaining("differ in name or shape");
    assertThatThrownBy(() -> new OptimizerState(-1, List.of(), List.of()))
        .hasMessageContaining("-1");
  }

  @Test
  void trainingStateChecksMomentsAgainstParameters() {
    List<NamedTensor> params =
        List.of(
            new NamedTensor("a", new long[] {2}, new float[2]),
            new NamedTensor("b", new long[] {3}, new float[3]));
    NamedTensor a = new NamedTensor("a", new long[] {2}, new float[2]);
    NamedTensor b = new NamedTensor("b", new long[] {3}, new float[3]);
    NamedTensor wrongShape = new NamedTensor("b", new long[] {1, 3}, new float[3]);
    NamedTensor unknown = new NamedTensor("c", new long[] {3}, new float[3]);

    assertThat(state(params, new OptimizerState(2, List.of(b), List.of(b)))).isNotNull();
    assertThatThrownBy(
            () -> state(params, new OptimizerState(2, List.of(unknown), List.of(unknown))))
        .hasMessageContaining("'c' names no parameter");
    assertThatThrownBy(
            () -> state(params, new OptimizerState(2, List.of(wrongShape), List.of(wrongShape))))
        .hasMessageContaining("does not match parameter");
    assertThatThrownBy(() -> state(params, new OptimizerState(2, List.of(b, a), List.of(b, a))))
        .hasMessageContaining("out of parameter order");
    assertThatThrownBy(() -> state(List.of(a, a), OptimizerState.initial()))
        .hasMessageContaining("'a' twice");
  }

  @Test
  void builderNamesTheMissingRequiredFields() {
    assertThatThrownBy(() -> TrainingState.builder().setPreset("deit-tiny").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("setStep")
        .hasMessageContaining("setParameters");
  }

  @Test
  void trainingStateCopiesItsMutableParts() {
    byte[] rng = {1, 2, 3};
    TrainingState s =
        TrainingState.builder()
            .setPreset("deit-tiny")
            .setStep(1)
            .setParameters(List.of())
            .optRngState(rng)
            .optMetadata(Map.of("b", "2", "a", "1"))
            .build();
    rng[0] = 9;
    s.rngState()[1] = 9;
    assertThat(s.rngState()).containsExactly(1, 2, 3);
    assertThat(s.metadata().keySet()).containsExactly("a", "b");
  }

  @Test
  void requirePresetNamesBothPresets() {
    TrainingState s = SampleStates.small();
    s.requirePreset("deit-tiny");
    assertThatThrownBy(() -> s.requirePreset("deit-small"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("written by preset 'deit-tiny'")
        .hasMessageContaining("this job runs preset 'deit-small'");
  }

  private static TrainingState state(List<NamedTensor> params, OptimizerState optimizer) {
    return TrainingState.builder()
        .setPreset("p")
        .setStep(2)
        .setParameters(params)
        .optOptimizer(optimizer)
        .build();
  }
}
