package io.tlalign.job.publish;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.model.weights.PretrainedWeights;
import io.tlalign.model.weights.Safetensors;
import io.tlalign.model.weights.WeightNames;
import io.tlalign.model.weights.WeightsExport;
import io.tlalign.schemas.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tlalign.export.names}: each model file gets a standard model folder beside it, with the
 * run's own data config in its {@code config.json}, and goes when the model file goes.
 */
class ModelStoreExportTest {

  static final VitConfig SEVEN = VitPresets.VIT_TINY_FM.withNumClasses(7);
  static TrainingState state;

  @TempDir Path dir;

  @BeforeAll
  static void aModelTrainedWithItsOwnDataConfig() {
    EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    DataConfig data =
        VitPresets.dataConfig(SEVEN)
            .withMean(new float[] {0.25f})
            .withStd(new float[] {0.125f})
            .withCropPct(0.9)
            .withInterpolation(DataConfig.Interpolation.BILINEAR);
    try (TrainingSession s =
        TrainingSession.create(TrainingConfig.defaults(SEVEN, 3).withData(data), Device.cpu())) {
      state = s.captureState();
    }
  }

  @Test
  void eachModelFileGetsAnExportWithTheRunsDataConfig() throws Exception {
    ModelRef ref = new ModelStore(dir.toUri().toString(), WeightsExport.Names.TIMM).write(state, 5);
    assertThat(ref.getUri()).endsWith("model-step-000000000-chk-5.tlas");
    Path folder = dir.resolve("model-step-000000000-chk-5");
    Map<String, NamedTensor> tensors =
        Safetensors.read(folder.resolve("model.safetensors")).tensors();
    assertThat(tensors).hasSize(state.parameters().size());
    for (NamedTensor p : state.parameters()) {
      NamedTensor t = tensors.get(WeightNames.modelToTimm(p.name()).orElseThrow());
      assertThat(t.shape()).as(p.name()).containsExactly(p.shape());
      assertThat(t.data()).as(p.name()).containsExactly(p.data());
    }
    JsonObject json =
        JsonParser.parseString(Files.readString(folder.resolve("config.json"))).getAsJsonObject();
    assertThat(json.get("num_classes").getAsInt()).isEqualTo(7);
    assertThat(json.get("input_size").toString()).isEqualTo("[1,28,28]");
    assertThat(json.get("mean").toString()).isEqualTo("[0.25]");
    assertThat(json.get("std").toString()).isEqualTo("[0.125]");
    assertThat(json.get("crop_pct").getAsDouble()).isEqualTo(0.9);
    assertThat(json.get("interpolation").getAsString()).isEqualTo("bilinear");
    // The folder is what --init-from, predict and export read, data config included.
    PretrainedWeights.AsIs back = PretrainedWeights.loadAsIs(folder, "vit-tiny-fm");
    assertThat(back.config().numClasses()).isEqualTo(7);
    assertThat(back.data().mean()).containsExactly(0.25f);
    assertThat(back.data().interpolation()).isEqualTo(DataConfig.Interpolation.BILINEAR);
    // Its config.json names the preset, so no preset needs to be given.
    assertThat(PretrainedWeights.loadAsIs(folder, null).config().name()).isEqualTo("vit-tiny-fm");
    assertThat(folder.resolve(WeightsExport.PREPROCESSOR_FILE)).as("timm names").doesNotExist();

    ModelStore.delete(ref);
    assertThat(dir.resolve("model-step-000000000-chk-5.tlas")).doesNotExist();
    assertThat(folder).doesNotExist();
  }

  @Test
  void withoutTheOptionOnlyTheModelFileIsWritten() throws Exception {
    new ModelStore(dir.toUri().toString()).write(state, 6);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly("model-step-000000000-chk-6.tlas");
    }
  }

  @Test
  void huggingFaceNamesWriteAViTConfig() throws Exception {
    ModelRef ref = new ModelStore(dir.toUri().toString(), WeightsExport.Names.HF).write(state, 8);
    Path folder = Path.of(ModelStore.exportFolder(ref.getUri()).toUri());
    JsonObject json =
        JsonParser.parseString(Files.readString(folder.resolve("config.json"))).getAsJsonObject();
    assertThat(json.get("model_type").getAsString()).isEqualTo("vit");
    assertThat(json.getAsJsonObject("id2label").size()).isEqualTo(7);
    assertThat(Safetensors.read(folder.resolve("model.safetensors")).tensors())
        .containsKey("vit.embeddings.cls_token");
    // Hugging Face's image processor normalises as the run trained (values written by hand).
    JsonObject pre =
        JsonParser.parseString(Files.readString(folder.resolve("preprocessor_config.json")))
            .getAsJsonObject();
    assertThat(pre.get("image_processor_type").getAsString()).isEqualTo("ViTImageProcessor");
    assertThat(pre.get("do_resize").getAsBoolean()).isTrue();
    assertThat(pre.get("size").toString()).isEqualTo("{\"height\":28,\"width\":28}");
    assertThat(pre.get("resample").getAsInt()).as("PIL's BILINEAR").isEqualTo(2);
    assertThat(pre.get("do_rescale").getAsBoolean()).isTrue();
    assertThat(pre.get("rescale_factor").getAsDouble())
        .isCloseTo(0.00392156862745098, org.assertj.core.data.Offset.offset(1e-15));
    assertThat(pre.get("do_normalize").getAsBoolean()).isTrue();
    assertThat(pre.get("image_mean").toString()).isEqualTo("[0.25]");
    assertThat(pre.get("image_std").toString()).isEqualTo("[0.125]");
  }
}
