package io.tlalign.job.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.ModelRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

  @TempDir Path dir;

  private static TrainingState state() {
    float[] w = {1.5f, -0.0f, 3.25f};
    return TrainingState.builder()
        .setPreset("test")
        .setStep(7)
        .setParameters(List.of(new NamedTensor("w", new long[] {3}, w)))
        .build();
  }

  @Test
  void writesAFileItsPointerReadsBack() throws IOException {
    ModelRef ref = new ModelStore(dir.toUri().toString()).write(state(), 4);

    assertThat(ref.getFormat()).isEqualTo("tlalign-state/1");
    assertThat(ref.getUri()).endsWith("model-step-000000007-chk-4.tlas");
    TrainingState back = ModelStore.read(ref);
    assertThat(back.step()).isEqualTo(7);
    assertThat(back.parameters().get(0).data()).containsExactly(1.5f, -0.0f, 3.25f);
  }

  @Test
  void readsEveryFormatVersionTheStateReaderReadsAndNoOther() {
    assertThat(ModelStore.readable("tlalign-state/1")).isTrue();
    assertThat(ModelStore.readable("tlalign-state/2")).isFalse();
    assertThat(ModelStore.readable("tlalign-state/x")).isFalse();
    assertThat(ModelStore.readable("safetensors")).isFalse();
    assertThat(ModelStore.readable(null)).isFalse();
  }

  @Test
  void refusesAPointerOfAnotherFormatNamingIt() throws IOException {
    ModelRef ref = new ModelStore(dir.toUri().toString()).write(state(), 1);
    ref.setFormat("tlalign-state/9");

    assertThatThrownBy(() -> ModelStore.read(ref))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("has format tlalign-state/9; this build reads tlalign-state/[1]");
  }

  @Test
  void refusesAFileWhoseBytesChangedAfterPublishing() throws IOException {
    ModelRef ref = new ModelStore(dir.toUri().toString()).write(state(), 2);
    Path file = Path.of(java.net.URI.create(ref.getUri()));
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);

    assertThatThrownBy(() -> ModelStore.read(ref))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("but its pointer says " + ref.getSha256());
  }
}
