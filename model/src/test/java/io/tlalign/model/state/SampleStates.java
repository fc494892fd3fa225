package io.tlalign.model.state;

import java.util.List;

/** Small training states with awkward values, for the encoding tests. */
final class SampleStates {

  private SampleStates() {}

  /** Floats whose bits a careless encoder would lose: NaN payloads, -0.0, infinities, subnormal. */
  static final float[] AWKWARD = {
    Float.intBitsToFloat(0x7FC01234), // quiet NaN with a payload
    Float.intBitsToFloat(0xFFC00001), // negative quiet NaN with a payload
    Float.intBitsToFloat(0x7F800001), // signalling NaN
    -0.0f,
    0.0f,
    Float.POSITIVE_INFINITY,
    Float.NEGATIVE_INFINITY,
    Float.MIN_VALUE,
    -Float.MAX_VALUE,
    1.0f / 3
  };

  static TrainingState small() {
    float[] weight = new float[6];
    System.arraycopy(AWKWARD, 0, weight, 0, 6);
    float[] bias = {AWKWARD[6], AWKWARD[7], AWKWARD[8]};
    List<NamedTensor> params =
        List.of(
            new NamedTensor("patch.weight", new long[] {2, 3}, weight),
            new NamedTensor("patch.bias", new long[] {3}, bias),
            new NamedTensor("scale", new long[] {}, new float[] {AWKWARD[9]}),
            new NamedTensor("frozen.empty", new long[] {0, 4}, new float[0]),
            new NamedTensor("head.weight", new long[] {2, 2}, new float[] {1, 2, 3, 4}));
    OptimizerState optimizer =
        new OptimizerState(
            41,
            List.of(
                new NamedTensor("patch.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
                new NamedTensor("head.weight", new long[] {2, 2}, new float[] {-1, -0.0f, 0, 1})),
            List.of(
                new NamedTensor(
                    "patch.weight", new long[] {2, 3}, new float[] {1e-8f, 2, 3, 4, 5, 6e30f}),
                new NamedTensor("head.weight", new long[] {2, 2}, new float[] {7, 8, 9, 10})));
    return TrainingState.builder()
        .setPreset("deit-tiny")
        .setStep(40)
        .optRefusedSteps(1)
        .optRngState(new byte[] {1, 2, 3, (byte) 0xFF, 0, 7, -128})
        .setParameters(params)
        .optOptimizer(optimizer)
        .optMetadata("target", "tl-align")
        .optMetadata("seed", "42")
        .optMetadata("note", "ünïcödé ✓")
        .build();
  }

  static TrainingState withoutOptimizerOrMetadata() {
    return TrainingState.builder()
        .setPreset("deit-tiny")
        .setStep(0)
        .setParameters(List.of(new NamedTensor("w", new long[] {2}, new float[] {1, -0.0f})))
        .build();
  }
}
