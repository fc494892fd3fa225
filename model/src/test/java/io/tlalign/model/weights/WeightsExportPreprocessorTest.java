package io.tlalign.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitPresets;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code preprocessor_config.json} of a Hugging Face export: the fields of {@code
 * ViTImageProcessor}, with the model's own data config, against values written out by hand.
 */
class WeightsExportPreprocessorTest {

  private static void sameFields(JsonObject actual, String expectedJson) {
    JsonObject expected = JsonParser.parseString(expectedJson).getAsJsonObject();
    assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    for (String k : expected.keySet()) {
      if (k.equals("rescale_factor")) {
        continue; // a double; compared with a tolerance below
      }
      assertThat(actual.get(k)).as(k).isEqualTo(expected.get(k));
    }
    assertThat(actual.get("rescale_factor").getAsDouble()).isCloseTo(1.0 / 255, within(1e-15));
  }

  @Test
  void huggingFaceExportCarriesTheModelsOwnNormalisation() throws Exception {
    PretrainedWeights.AsIs w =
        PretrainedWeights.loadAsIs(
            PretrainedWeightsTest.FIXTURES.resolve("vit-tiny-fm-timm.safetensors"), "vit-tiny-fm");
    DataConfig data =
        w.data()
            .withMean(new float[] {0.25f})
            .withStd(new float[] {0.125f})
            .withInterpolation(DataConfig.Interpolation.BILINEAR);
    Map<String, byte[]> files =
        WeightsExport.files(w.weights().parameters(), w.config(), data, WeightsExport.Names.HF);
    assertThat(files.keySet())
        .containsExactly("model.safetensors", "config.json", "preprocessor_config.json");
    JsonObject json =
        JsonParser.parseString(
                new String(files.get("preprocessor_config.json"), StandardCharsets.UTF_8))
            .getAsJsonObject();
    sameFields(
        json,
        """
        {"image_processor_type": "ViTImageProcessor", "do_resize": true,
         "size": {"height": 28, "width": 28}, "resample": 2,
         "do_rescale": true, "rescale_factor": 0.00392156862745098,
         "do_normalize": true, "image_mean": [0.25], "image_std": [0.125]}
        """);
    // timm's export has no image processor: its config.json carries the data config.
    assertThat(
            WeightsExport.files(
                    w.weights().parameters(), w.config(), data, WeightsExport.Names.TIMM)
                .keySet())
        .containsExactly("model.safetensors", "config.json");
  }

  @Test
  void deitTinyGetsImageNetStatisticsAndBicubicAt224() {
    sameFields(
        WeightsExport.hfImageProcessor(VitPresets.dataConfig(VitPresets.DEIT_TINY)),
        """
        {"image_processor_type": "ViTImageProcessor", "do_resize": true,
         "size": {"height": 224, "width": 224}, "resample": 3,
         "do_rescale": true, "rescale_factor": 0.00392156862745098,
         "do_normalize": true,
         "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
        """);
  }
}
