package io.tlalign.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.tlalign.model.TestEngine;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which preset weights are read as: a model file's own (a conflicting one is refused), the one
 * asked for, or the one a {@code config.json} beside safetensors names; bare safetensors without a
 * preset are refused with the fix, never read as a default preset.
 */
class WeightsPresetTest {

  static final Path TIMM = PretrainedWeightsTest.FIXTURES.resolve("vit-tiny-fm-timm.safetensors");

  @TempDir Path dir;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  /** A copy of the vit-tiny-fm fixture in its own folder, with {@code config} as config.json. */
  private Path besideConfig(String name, String config) throws IOException {
    Path folder = Files.createDirectories(dir.resolve(name));
    Files.copy(TIMM, folder.resolve("model.safetensors"));
    if (config != null) {
      Files.writeString(folder.resolve("config.json"), config);
    }
    return folder.resolve("model.safetensors");
  }

  private Path modelFile() throws IOException {
    Path file = dir.resolve("model-step-000000000-chk-1.tlas");
    try (TrainingSession s =
            TrainingSession.create(
                TrainingConfig.defaults(VitPresets.VIT_TINY_FM, 3), Device.cpu());
        OutputStream out = Files.newOutputStream(file)) {
      s.captureState().writeTo(out);
    }
    return file;
  }

  @Test
  void safetensorsWithoutAPresetOrAConfigBesideThemAreRefusedWithTheFix() throws IOException {
    Path bare = besideConfig("bare", null);
    assertThatThrownBy(() -> PretrainedWeights.loadAsIs(bare, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("safetensors file " + bare + " does not say which preset it is")
        .hasMessageContaining(
            "--model PRESET (one of vit-tiny-fm, deit-tiny, deit-small, deit-base)")
        .hasMessageContaining("config.json");
    // Named, they load.
    assertThat(PretrainedWeights.loadAsIs(bare, "vit-tiny-fm").config().name())
        .isEqualTo("vit-tiny-fm");
  }

  @Test
  void aConfigJsonBesideThemNamesThePreset() throws IOException {
    Path own = besideConfig("own", "{\"architecture\": \"vit_tlalign_vit_tiny_fm\"}");
    assertThat(PretrainedWeights.loadAsIs(own, null).config().name()).isEqualTo("vit-tiny-fm");
    // Hugging Face's ViTConfig has no preset name; its shape is vit-tiny-fm's and no other's.
    Path hf =
        besideConfig(
            "hf",
            "{\"model_type\": \"vit\", \"hidden_size\": 64, \"num_hidden_layers\": 4,"
                + " \"num_attention_heads\": 4, \"intermediate_size\": 128, \"image_size\": 28,"
                + " \"patch_size\": 4, \"num_channels\": 1}");
    assertThat(PretrainedWeights.loadAsIs(hf, null).config().name()).isEqualTo("vit-tiny-fm");
    Path other = besideConfig("other", "{\"architecture\": \"resnet50\", \"num_classes\": 10}");
    assertThatThrownBy(() -> PretrainedWeights.loadAsIs(other, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names architecture \"resnet50\", which is no preset here")
        .hasMessageContaining("--model PRESET");
    Path wide =
        besideConfig(
            "wide",
            "{\"model_type\": \"vit\", \"hidden_size\": 65, \"num_hidden_layers\": 4,"
                + " \"num_attention_heads\": 4, \"intermediate_size\": 128, \"image_size\": 28,"
                + " \"patch_size\": 4, \"num_channels\": 1}");
    assertThatThrownBy(() -> PretrainedWeights.loadAsIs(wide, null))
        .hasMessageContaining("which is no preset here");
    Path broken = besideConfig("broken", "{not json");
    assertThatThrownBy(() -> PretrainedWeights.loadAsIs(broken, null))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("config.json is not a JSON object");
  }

  @Test
  void timmsOwnDeitArchitecturesNameTheDeitPresets() {
    for (String[] c :
        new String[][] {
          {"deit_tiny_patch16_224", "deit-tiny"},
          {"deit_small_distilled_patch16_224", "deit-small"},
          {"deit_base_patch16_224", "deit-base"},
          {"vit_tlalign_deit_small", "deit-small"}
        }) {
      var o = com.google.gson.JsonParser.parseString("{\"architecture\": \"" + c[0] + "\"}");
      assertThat(WeightsPreset.named(o.getAsJsonObject()).orElseThrow().name())
          .as(c[0])
          .isEqualTo(c[1]);
    }
    var unknown = com.google.gson.JsonParser.parseString("{\"architecture\": \"vit_tlalign_x\"}");
    assertThat(WeightsPreset.named(unknown.getAsJsonObject())).isEmpty();
  }

  @Test
  void aModelFileIsReadWithItsOwnPresetAndAConflictingOneIsRefused() throws IOException {
    Path file = modelFile();
    assertThat(PretrainedWeights.loadAsIs(file, null).config().name()).isEqualTo("vit-tiny-fm");
    assertThat(PretrainedWeights.loadAsIs(file, "vit-tiny-fm").config().name())
        .isEqualTo("vit-tiny-fm");
    assertThatThrownBy(() -> PretrainedWeights.loadAsIs(file, "deit-tiny"))
        .isInstanceOf(IllegalArgumentException.class)
        .isNotInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining(file + " holds a vit-tiny-fm model, but the preset is deit-tiny")
        .hasMessageContaining("leave --model out");
  }

  @Test
  void initFromRefusesAModelFileOrANamedExportOfAnotherPreset() throws IOException {
    Path file = modelFile();
    assertThatThrownBy(() -> PretrainedWeights.load(file, VitPresets.DEIT_TINY, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .isNotInstanceOf(IncompatibleWeightsException.class)
        .hasMessageContaining(file + " holds a vit-tiny-fm model, but the preset is deit-tiny")
        .hasMessageContaining("pass --model vit-tiny-fm");
    Path named = besideConfig("deit", "{\"architecture\": \"deit_tiny_patch16_224\"}");
    assertThatThrownBy(() -> PretrainedWeights.load(named, VitPresets.VIT_TINY_FM, 0))
        .hasMessageContaining(named + " holds a deit-tiny model, but the preset is vit-tiny-fm")
        .hasMessageContaining("pass --model deit-tiny");
    // The run's own preset, with another class count, still fits (the head is re-initialised).
    assertThat(PretrainedWeights.load(file, VitPresets.VIT_TINY_FM.withNumClasses(4), 0).notes())
        .anyMatch(n -> n.contains("re-initialised the head for 4 classes"));
    // A config.json naming nothing known leaves the judgement to the strict shape check.
    Path other = besideConfig("other", "{\"architecture\": \"resnet50\"}");
    assertThat(PretrainedWeights.load(other, VitPresets.VIT_TINY_FM, 0).parameters()).isNotEmpty();
  }
}
