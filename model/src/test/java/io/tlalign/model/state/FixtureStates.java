package io.tlalign.model.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The training state of the committed chunk fixtures, spelled out by hand (the values the fixtures'
 * READMEs list), and a reader for the fixture folders.
 */
final class FixtureStates {

  private FixtureStates() {}

  static TrainingState expected() {
    return TrainingState.builder()
        .setPreset("vit-tiny-fm")
        .setStep(12)
        .optRefusedSteps(2)
        .optRngState(new byte[] {0x11, 0x22, 0x33, 0x44})
        .setParameters(
            List.of(
                new NamedTensor(
                    "patch.weight",
                    new long[] {2, 3},
                    new float[] {0.5f, -1.25f, 2f, 0f, -0.0f, 3.75f}),
                new NamedTensor("head.bias", new long[] {2}, new float[] {0.125f, -8f})))
        .optOptimizer(
            new OptimizerState(
                12,
                List.of(
                    new NamedTensor(
                        "patch.weight",
                        new long[] {2, 3},
                        new float[] {0.25f, 0.5f, 0.75f, 1f, 1.25f, 1.5f}),
                    new NamedTensor("head.bias", new long[] {2}, new float[] {-0.5f, 0.5f})),
                List.of(
                    new NamedTensor(
                        "patch.weight", new long[] {2, 3}, new float[] {1f, 4f, 9f, 16f, 25f, 36f}),
                    new NamedTensor("head.bias", new long[] {2}, new float[] {0.0625f, 2f}))))
        .optMetadata("seed", "7")
        .optMetadata("mixing", "tlalign")
        .build();
  }

  /** Checks {@code state} field by field against the values the fixtures' READMEs list. */
  static void checkIsTheFixtureState(TrainingState state) {
    assertThat(state.preset()).isEqualTo("vit-tiny-fm");
    assertThat(state.step()).isEqualTo(12);
    assertThat(state.refusedSteps()).isEqualTo(2);
    assertThat(state.optimizerStepCount()).isEqualTo(12);
    assertThat(state.rngState()).containsExactly(0x11, 0x22, 0x33, 0x44);
    assertThat(state.metadata()).containsExactly(entry("mixing", "tlalign"), entry("seed", "7"));
    assertThat(state.parameters().get(0).name()).isEqualTo("patch.weight");
    assertThat(state.parameters().get(0).shape()).containsExactly(2, 3);
    assertThat(state.parameters().get(0).data())
        .containsExactly(0.5f, -1.25f, 2f, 0f, -0.0f, 3.75f);
    assertThat(Float.floatToRawIntBits(state.parameters().get(0).data()[4])).isEqualTo(0x80000000);
    assertThat(state.parameters().get(1).data()).containsExactly(0.125f, -8f);
    assertThat(state.firstMoments().get(1).data()).containsExactly(-0.5f, 0.5f);
    assertThat(state.secondMoments().get(0).data()).containsExactly(1f, 4f, 9f, 16f, 25f, 36f);
    assertThat(state.secondMoments().get(1).data()).containsExactly(0.0625f, 2f);
    assertThat(state).isEqualTo(expected());
  }

  /** {@code folder/chunk-0.bin}, {@code chunk-1.bin}, ... as test resources, in order. */
  static List<byte[]> chunks(String folder) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; ; i++) {
      try (InputStream in =
          FixtureStates.class.getResourceAsStream(folder + "/chunk-" + i + ".bin")) {
        if (in == null) {
          if (out.isEmpty()) {
            throw new IllegalStateException("no fixture chunks in " + folder);
          }
          return out;
        }
        out.add(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
