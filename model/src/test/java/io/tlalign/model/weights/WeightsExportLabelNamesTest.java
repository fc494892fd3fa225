package io.tlalign.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Class names in the export's {@code config.json}: timm's label_names, Hugging Face's id2label. */
class WeightsExportLabelNamesTest {

  static final List<String> NAMES =
      List.of("cat", "dog", "fox", "owl", "elk", "yak", "emu", "eel", "bat", "ant");

  @TempDir Path dir;

  private static PretrainedWeights.AsIs fixture() throws Exception {
    return PretrainedWeights.loadAsIs(
        PretrainedWeightsTest.FIXTURES.resolve("vit-tiny-fm-timm.safetensors"), "vit-tiny-fm");
  }

  private JsonObject written(WeightsExport.Names names, List<String> labels) throws Exception {
    PretrainedWeights.AsIs w = fixture();
    Path to = dir.resolve(names.name() + labels.size());
    WeightsExport.write(w.weights().parameters(), w.config(), w.data(), names, to, labels);
    return JsonParser.parseString(Files.readString(to.resolve(WeightsExport.CONFIG_FILE)))
        .getAsJsonObject();
  }

  @Test
  void timmConfigListsTheLabelNamesInClassOrder() throws Exception {
    JsonObject timm = written(WeightsExport.Names.TIMM, NAMES);
    assertThat(timm.get("label_names").toString())
        .isEqualTo(
            "[\"cat\",\"dog\",\"fox\",\"owl\",\"elk\",\"yak\",\"emu\",\"eel\",\"bat\",\"ant\"]");
    assertThat(written(WeightsExport.Names.TIMM, List.of()).has("label_names"))
        .as("unknown names are left out")
        .isFalse();
  }

  @Test
  void huggingFaceConfigMapsIdsToTheNamesBothWays() throws Exception {
    JsonObject hf = written(WeightsExport.Names.HF, NAMES);
    assertThat(hf.getAsJsonObject("id2label").get("2").getAsString()).isEqualTo("fox");
    assertThat(hf.getAsJsonObject("label2id").get("ant").getAsInt()).isEqualTo(9);
    assertThat(
            written(WeightsExport.Names.HF, List.of())
                .getAsJsonObject("id2label")
                .get("9")
                .getAsString())
        .isEqualTo("LABEL_9");
  }

  @Test
  void aNameCountOtherThanTheClassCountIsRefused() throws Exception {
    PretrainedWeights.AsIs w = fixture();
    assertThatThrownBy(
            () ->
                WeightsExport.write(
                    w.weights().parameters(),
                    w.config(),
                    w.data(),
                    WeightsExport.Names.TIMM,
                    dir.resolve("x"),
                    List.of("a", "b", "c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 label names for a model of 10 classes");
  }
}
