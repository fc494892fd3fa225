package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tlalign.model.weights.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tlalign export} against the PyTorch reference fixtures of the model module. */
class ExportCommandTest extends CommandLineTest {

  static final Path FIXTURES = Path.of("../model/src/test/resources/weights");

  @TempDir Path dir;

  private static void sameTensors(Path a, Path b) throws Exception {
    var x = Safetensors.read(a).tensors();
    var y = Safetensors.read(b).tensors();
    assertThat(x.keySet()).containsExactlyInAnyOrderElementsOf(y.keySet());
    x.forEach((k, v) -> assertThat(v).as(k).isEqualTo(y.get(k)));
  }

  /** {@code export --weights in --model vit-tiny-fm --to to more...}: the fixtures' preset. */
  private int exportTiny(Path in, Path to, String... more) {
    String[] base = {
      "export", "--weights", in.toString(), "--model", "vit-tiny-fm", "--to", to.toString()
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return run(args);
  }

  @Test
  void exportingImportedWeightsGivesBackTheSameTensorsBitForBit() throws Exception {
    for (String from : new String[] {"timm", "hf"}) {
      for (String names : new String[] {"timm", "hf"}) {
        Path to = dir.resolve(from + "-to-" + names);
        Path in = FIXTURES.resolve("vit-tiny-fm-" + from + ".safetensors");
        assertThat(exportTiny(in, to, "--names", names)).as(err.toString()).isZero();
        Path expected = FIXTURES.resolve("vit-tiny-fm-" + names + ".safetensors");
        sameTensors(to.resolve("model.safetensors"), expected);
        // The same writer conventions as the reference script: the very same bytes.
        assertThat(Files.readAllBytes(to.resolve("model.safetensors")))
            .isEqualTo(Files.readAllBytes(expected));
      }
    }
    assertThat(out.toString()).contains("export: vit-tiny-fm (10 classes) with hf names to ");
  }

  @Test
  void configJsonCarriesTimmsDataConfigOrAHuggingFaceVitConfig() throws Exception {
    Path in = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    assertThat(exportTiny(in, dir.resolve("t"))).isZero();
    JsonObject timm =
        JsonParser.parseString(Files.readString(dir.resolve("t/config.json"))).getAsJsonObject();
    assertThat(timm.get("num_classes").getAsInt()).isEqualTo(10);
    assertThat(timm.get("input_size").toString()).isEqualTo("[1,28,28]");
    assertThat(timm.get("mean").toString()).isEqualTo("[0.5]");
    assertThat(timm.get("std").toString()).isEqualTo("[0.5]");
    assertThat(timm.get("crop_pct").getAsDouble()).isEqualTo(1.0);
    assertThat(timm.get("interpolation").getAsString()).isEqualTo("bicubic");
    assertThat(timm.get("architecture").getAsString()).isEqualTo("vit_tlalign_vit_tiny_fm");

    assertThat(exportTiny(in, dir.resolve("h"), "--names", "hf")).isZero();
    JsonObject hf =
        JsonParser.parseString(Files.readString(dir.resolve("h/config.json"))).getAsJsonObject();
    assertThat(hf.get("model_type").getAsString()).isEqualTo("vit");
    assertThat(hf.get("hidden_size").getAsInt()).isEqualTo(64);
    assertThat(hf.get("num_hidden_layers").getAsInt()).isEqualTo(4);
    assertThat(hf.get("intermediate_size").getAsInt()).isEqualTo(128);
    assertThat(hf.get("image_size").getAsInt()).isEqualTo(28);
    assertThat(hf.get("patch_size").getAsInt()).isEqualTo(4);
    assertThat(hf.get("num_channels").getAsInt()).isEqualTo(1);
    assertThat(hf.get("layer_norm_eps").getAsDouble())
        .isCloseTo(1e-6, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(hf.getAsJsonObject("id2label").size()).isEqualTo(10);
    // Hugging Face's image processor, with vit-tiny-fm's data config (hand-written values).
    JsonObject pre =
        JsonParser.parseString(Files.readString(dir.resolve("h/preprocessor_config.json")))
            .getAsJsonObject();
    assertThat(pre.get("image_processor_type").getAsString()).isEqualTo("ViTImageProcessor");
    assertThat(pre.get("size").toString()).isEqualTo("{\"height\":28,\"width\":28}");
    assertThat(pre.get("resample").getAsInt()).as("PIL's BICUBIC").isEqualTo(3);
    assertThat(pre.get("image_mean").toString()).isEqualTo("[0.5]");
    assertThat(pre.get("image_std").toString()).isEqualTo("[0.5]");
    assertThat(out.toString()).contains("/h/preprocessor_config.json");
    assertThat(dir.resolve("t/preprocessor_config.json"))
        .as("timm: config.json only")
        .doesNotExist();
  }

  @Test
  void configJsonCarriesTheDataConfigTheModelWasTrainedWith() throws Exception {
    // A model file of a run that overrode mean, std, crop_pct and interpolation.
    io.tlalign.model.EngineSetup.start(io.tlalign.model.EngineOptions.defaults().withThreads(1, 1));
    io.tlalign.model.vit.DataConfig data =
        io.tlalign.model.vit.VitPresets.dataConfig(io.tlalign.model.vit.VitPresets.VIT_TINY_FM)
            .withMean(new float[] {0.25f})
            .withStd(new float[] {0.125f})
            .withCropPct(0.9)
            .withInterpolation(io.tlalign.model.vit.DataConfig.Interpolation.BILINEAR);
    Path tlas = dir.resolve("model.tlas");
    try (var s =
            io.tlalign.model.train.TrainingSession.create(
                io.tlalign.model.train.TrainingConfig.defaults(
                        io.tlalign.model.vit.VitPresets.VIT_TINY_FM, 3)
                    .withData(data),
                ai.djl.Device.cpu());
        var o = Files.newOutputStream(tlas)) {
      s.captureState().writeTo(o);
    }
    Path first = dir.resolve("first");
    assertThat(run("export", "--weights", tlas.toString(), "--to", first.toString()))
        .as(err.toString())
        .isZero();
    JsonObject timm =
        JsonParser.parseString(Files.readString(first.resolve("config.json"))).getAsJsonObject();
    assertThat(timm.get("mean").toString()).isEqualTo("[0.25]");
    assertThat(timm.get("std").toString()).isEqualTo("[0.125]");
    assertThat(timm.get("crop_pct").getAsDouble()).isEqualTo(0.9);
    assertThat(timm.get("interpolation").getAsString()).isEqualTo("bilinear");
    assertThat(timm.get("input_size").toString()).isEqualTo("[1,28,28]");
    // Exporting the export again reads the data config from its config.json.
    Path second = dir.resolve("second");
    assertThat(run("export", "--weights", first.toString(), "--to", second.toString()))
        .as(err.toString())
        .isZero();
    assertThat(Files.readString(second.resolve("config.json")))
        .isEqualTo(Files.readString(first.resolve("config.json")));
    sameTensors(first.resolve("model.safetensors"), second.resolve("model.safetensors"));
  }

  @Test
  void safetensorsNeedAPresetAndAModelFileRefusesAnotherOne() throws Exception {
    Path in = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    assertThat(run("export", "--weights", in.toString(), "--to", dir.resolve("x").toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains("safetensors file " + in + " does not say which preset it is")
        .contains("--model PRESET (one of vit-tiny-fm, deit-tiny, deit-small, deit-base)");
    assertThat(dir.resolve("x")).as("nothing written").doesNotExist();

    Path tlas = ModelFiles.vitTinyFm(dir.resolve("model.tlas"));
    assertThat(
            run(
                "export",
                "--weights",
                tlas.toString(),
                "--model",
                "deit-small",
                "--to",
                dir.resolve("y").toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains(tlas + " holds a vit-tiny-fm model, but the preset is deit-small")
        .contains("leave --model out");
    assertThat(dir.resolve("y")).as("nothing written").doesNotExist();
    assertThat(exportTiny(tlas, dir.resolve("z"))).as(err.toString()).isZero();
  }

  @Test
  void badArgumentsNameTheValueAndTheFix() {
    Path nope = dir.resolve("nope.safetensors");
    assertThat(run("export", "--weights", nope.toString(), "--to", dir.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--weights " + nope + " is not a file");
    Path in = FIXTURES.resolve("vit-tiny-fm-timm.safetensors");
    assertThat(run("export", "--weights", in.toString(), "--to", dir.toString(), "--names", "onnx"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--names").contains("onnx");
    assertThat(
            run("export", "--weights", in.toString(), "--to", dir.toString(), "--model", "vit-h"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("unknown ViT preset \"vit-h\"; valid names are");
    assertThat(
            run(
                "export",
                "--weights",
                in.toString(),
                "--to",
                dir.toString(),
                "--model",
                "deit-tiny"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("do not fit preset deit-tiny");
  }
}
