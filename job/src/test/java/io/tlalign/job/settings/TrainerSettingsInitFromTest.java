package io.tlalign.job.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.tlalign.job.train.TinyTraining;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.model.weights.IncompatibleWeightsException;
import io.tlalign.model.weights.Safetensors;
import io.tlalign.model.weights.WeightNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerSettingsInitFromTest {

  /** The parameters of a fresh seed-3 session, written as safetensors with timm's names. */
  private static TrainingState writeSeed3(Path file) throws IOException {
    TrainerSettings s = TinyTraining.settings();
    TrainingConfig c = TrainingConfig.defaults(s.model(), 3);
    try (TrainingSession other = TrainingSession.create(c, Device.cpu())) {
      TrainingState state = other.captureState();
      List<NamedTensor> timm = new ArrayList<>();
      for (NamedTensor t : state.parameters()) {
        String name = WeightNames.modelToTimm(t.name()).orElseThrow();
        timm.add(new NamedTensor(name, t.shape(), t.data()));
      }
      Safetensors.write(file, timm, Map.of());
      return state;
    }
  }

  @Test
  void theSessionStartsFromTheWeightsUnlessAStateIsRestored(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("w.safetensors");
    TrainingState seed3 = writeSeed3(file);
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.INIT_FROM, file.toString());
    conf.set(TlAlignOptions.SEED, 7L);
    TrainerSettings settings = TrainerSettings.from(conf);
    assertThat(settings.initFrom()).isEqualTo(file.toString());
    TrainingState restored;
    try (TrainingSession s = settings.openSession(-1, null)) {
      assertThat(s.stepCount()).isZero();
      restored = s.captureState();
      assertThat(restored.parameters()).isEqualTo(seed3.parameters());
    }
    try (TrainingSession fresh = TinyTraining.settings().openSession(-1, null);
        TrainingSession s = settings.openSession(-1, fresh.captureState())) {
      assertThat(s.captureState().parameters()).isNotEqualTo(seed3.parameters());
    }
  }

  @Test
  void weightsOfAnotherShapeFailWithOneErrorListingTheNames(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("w.safetensors");
    writeSeed3(file);
    TrainerSettings deit = TinyTraining.settings().withInitFrom(file.toString());
    TrainerSettings wrong =
        new TrainerSettings(
            "deit-tiny",
            10,
            7L,
            1e-3,
            0,
            10,
            deit.targetMode(),
            0.0,
            1,
            false,
            1,
            file.toString(),
            VitPresets.dataConfig(VitPresets.byName("deit-tiny")));
    assertThatThrownBy(wrong::loadInitialWeights)
        .isInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining("do not fit preset deit-tiny")
        .hasMessageContaining("missing [blocks.4.norm1.weight");
    assertThat(deit.loadInitialWeights().parameters()).hasSize(56);
    assertThat(TinyTraining.settings().loadInitialWeights()).isNull();
  }
}
