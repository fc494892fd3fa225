package io.tlalign.model.weights;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a model's parameters as {@code model.safetensors} plus {@code config.json} for timm (its
 * pretrained-config fields) or for Hugging Face ({@code ViTConfig} of a {@code
 * ViTForImageClassification}, and a {@code preprocessor_config.json} for its {@code
 * ViTImageProcessor}, so {@code AutoImageProcessor.from_pretrained} normalises as the model was
 * trained).
 *
 * <p>The data config (timm's mean, std, crop_pct and interpolation) is the one the model was
 * trained with, as its model file records it ({@link PretrainedWeights.AsIs#data}); {@link
 * #readDataConfig} reads it back from a timm {@code config.json}.
 */
public final class WeightsExport {

  /** The name set of an export. */
  public enum Names {
    TIMM,
    HF
  }

  public static final String CONFIG_FILE = "config.json";

  /** Hugging Face's image processor config, written with {@link Names#HF}. */
  public static final String PREPROCESSOR_FILE = "preprocessor_config.json";

  private WeightsExport() {}

  /**
   * Writes {@code dir/model.safetensors} and {@code dir/config.json} (and, with Hugging Face names,
   * {@code dir/preprocessor_config.json}).
   *
   * @param parameters under this model's names (as {@link PretrainedWeights#load} returns them)
   * @param data the data config the model was trained with
   * @return the files written, in the order of {@link #files}
   */
  public static List<Path> write(
      List<NamedTensor> parameters, VitConfig config, DataConfig data, Names names, Path dir)
      throws IOException {
    return write(parameters, config, data, names, dir, List.of());
  }

  /**
   * As {@link #write(List, VitConfig, DataConfig, Names, Path)}, with the class names: timm's
   * {@code label_names}, or Hugging Face's {@code id2label} and {@code label2id}.
   *
   * @param labelNames one per class, or empty when unknown
   */
  public static List<Path> write(
      List<NamedTensor> parameters,
      VitConfig config,
      DataConfig data,
      Names names,
      Path dir,
      List<String> labelNames)
      throws IOException {
    Map<String, byte[]> files = files(parameters, config, data, names, labelNames);
    Files.createDirectories(dir);
    List<Path> written = new ArrayList<>();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Path p = dir.resolve(file.getKey());
      Files.write(p, file.getValue());
      written.add(p);
    }
    return written;
  }

  /**
   * The export's files by name, {@code model.safetensors}, {@code config.json} and with Hugging
   * Face names {@code preprocessor_config.json}, for writers to any file system.
   */
  public static Map<String, byte[]> files(
      List<NamedTensor> parameters, VitConfig config, DataConfig data, Names names) {
    return files(parameters, config, data, names, List.of());
  }

  /** As {@link #files(List, VitConfig, DataConfig, Names)}, with one label name per class. */
  public static Map<String, byte[]> files(
      List<NamedTensor> parameters,
      VitConfig config,
      DataConfig data,
      Names names,
      List<String> labelNames) {
    if (!labelNames.isEmpty() && labelNames.size() != config.numClasses()) {
      throw new IllegalArgumentException(
          labelNames.size()
              + " label names for a model of "
              + config.numClasses()
              + " classes; give one per class, or none");
    }
    List<NamedTensor> timm = new ArrayList<>();
    for (NamedTensor t : parameters) {
      String name =
          WeightNames.modelToTimm(t.name())
              .orElseThrow(
                  () -> new IllegalArgumentException("'" + t.name() + "' is not a ViT parameter"));
      timm.add(WeightNames.rename(t, name));
    }
    List<NamedTensor> out = names == Names.HF ? WeightNames.timmToHf(timm) : timm;
    JsonObject json =
        names == Names.HF ? hfConfig(config, labelNames) : timmConfig(config, data, labelNames);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(PretrainedWeights.SAFETENSORS_FILE, Safetensors.toBytes(out, Map.of()));
    files.put(CONFIG_FILE, jsonBytes(json));
    if (names == Names.HF) {
      files.put(PREPROCESSOR_FILE, jsonBytes(hfImageProcessor(data)));
    }
    return files;
  }

  private static byte[] jsonBytes(JsonObject json) {
    return (new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The export of a model file: its preset with the class count of its head, its parameters and the
   * data config it records.
   */
  public static Map<String, byte[]> files(TrainingState state, Names names) {
    VitConfig config = VitPresets.byName(state.preset());
    for (NamedTensor t : state.parameters()) {
      if (WeightNames.modelToTimm(t.name()).filter("head.weight"::equals).isPresent()) {
        config = config.withNumClasses(Math.toIntExact(t.shape()[0]));
      }
    }
    return files(
        state.parameters(), config, VitPresets.dataConfig(config, state.metadata()), names);
  }

  /**
   * {@code fallback} with the data config fields a timm {@code config.json} holds (mean, std,
   * crop_pct, interpolation); a Hugging Face config, which has none, gives {@code fallback}.
   *
   * @throws IOException naming the file when it is not JSON or a field does not fit the model
   */
  public static DataConfig readDataConfig(Path json, DataConfig fallback) throws IOException {
    try {
      JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
      DataConfig d = fallback;
      if (o.has("mean")) {
        d = d.withMean(floatArray(o.getAsJsonArray("mean")));
      }
      if (o.has("std")) {
        d = d.withStd(floatArray(o.getAsJsonArray("std")));
      }
      if (o.has("crop_pct")) {
        d = d.withCropPct(o.get("crop_pct").getAsDouble());
      }
      if (o.has("interpolation")) {
        d =
            d.withInterpolation(
                DataConfig.Interpolation.valueOf(
                    o.get("interpolation").getAsString().toUpperCase(Locale.ROOT)));
      }
      return d;
    } catch (RuntimeException e) {
      throw new IOException(
          json
              + " does not hold a data config for "
              + fallback
              + " (mean, std, crop_pct, interpolation as timm writes them): "
              + e.getMessage(),
          e);
    }
  }

  private static float[] floatArray(JsonArray a) {
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsFloat();
    }
    return out;
  }

  /** timm's pretrained config ({@code pretrained_cfg}) fields for this model. */
  static JsonObject timmConfig(VitConfig c, DataConfig data, List<String> labelNames) {
    JsonObject o = new JsonObject();
    o.addProperty("architecture", "vit_tlalign_" + c.name().replace('-', '_'));
    o.addProperty("num_classes", c.numClasses());
    o.add("input_size", ints(c.channels(), c.imageHeight(), c.imageWidth()));
    o.add("mean", floats(data.mean()));
    o.add("std", floats(data.std()));
    o.addProperty("crop_pct", data.cropPct());
    o.addProperty("interpolation", data.interpolation().name().toLowerCase(Locale.ROOT));
    o.addProperty("first_conv", "patch_embed.proj");
    o.addProperty("classifier", "head");
    JsonObject args = new JsonObject();
    args.addProperty("img_size", c.imageHeight());
    args.addProperty("patch_size", c.patchSize());
    args.addProperty("in_chans", c.channels());
    args.addProperty("embed_dim", c.embedDim());
    args.addProperty("depth", c.depth());
    args.addProperty("num_heads", c.numHeads());
    args.addProperty("mlp_ratio", c.mlpRatio());
    args.addProperty("qkv_bias", c.qkvBias());
    args.addProperty("global_pool", c.hasClassToken() ? "token" : "avg");
    o.add("model_args", args);
    if (!labelNames.isEmpty()) {
      JsonArray labels = new JsonArray();
      labelNames.forEach(labels::add);
      o.add("label_names", labels);
    }
    return o;
  }

  /** A Hugging Face {@code ViTConfig} for this model. */
  static JsonObject hfConfig(VitConfig c, List<String> labelNames) {
    JsonObject o = new JsonObject();
    JsonArray arch = new JsonArray();
    arch.add("ViTForImageClassification");
    o.add("architectures", arch);
    o.addProperty("model_type", "vit");
    o.addProperty("hidden_size", c.embedDim());
    o.addProperty("num_hidden_layers", c.depth());
    o.addProperty("num_attention_heads", c.numHeads());
    o.addProperty("intermediate_size", c.mlpHiddenDim());
    o.addProperty("hidden_act", "gelu");
    o.addProperty("hidden_dropout_prob", 0.0);
    o.addProperty("attention_probs_dropout_prob", 0.0);
    o.addProperty("initializer_range", 0.02);
    o.addProperty("layer_norm_eps", c.layerNormEpsilon());
    if (c.imageHeight() == c.imageWidth()) {
      o.addProperty("image_size", c.imageHeight());
    } else {
      o.add("image_size", ints(c.imageHeight(), c.imageWidth()));
    }
    o.addProperty("patch_size", c.patchSize());
    o.addProperty("num_channels", c.channels());
    o.addProperty("qkv_bias", c.qkvBias());
    JsonObject id2label = new JsonObject();
    JsonObject label2id = new JsonObject();
    for (int k = 0; k < c.numClasses(); k++) {
      String label = labelNames.isEmpty() ? "LABEL_" + k : labelNames.get(k);
      id2label.addProperty(Integer.toString(k), label);
      label2id.addProperty(label, k);
    }
    o.add("id2label", id2label);
    o.add("label2id", label2id);
    return o;
  }

  /**
   * A Hugging Face {@code ViTImageProcessor} config with the model's input size, interpolation,
   * mean and std. It resizes straight to the input size: Hugging Face's ViT processor has no
   * crop_pct.
   */
  static JsonObject hfImageProcessor(DataConfig data) {
    JsonObject o = new JsonObject();
    o.addProperty("image_processor_type", "ViTImageProcessor");
    o.addProperty("do_resize", true);
    JsonObject size = new JsonObject();
    size.addProperty("height", data.height());
    size.addProperty("width", data.width());
    o.add("size", size);
    o.addProperty("resample", pilResample(data.interpolation()));
    o.addProperty("do_rescale", true);
    o.addProperty("rescale_factor", 1.0 / 255);
    o.addProperty("do_normalize", true);
    o.add("image_mean", floats(data.mean()));
    o.add("image_std", floats(data.std()));
    return o;
  }

  /** PIL's resampling filter codes ({@code Image.Resampling}), as Hugging Face stores them. */
  private static int pilResample(DataConfig.Interpolation interpolation) {
    return switch (interpolation) {
      case BILINEAR -> 2;
      case BICUBIC -> 3;
    };
  }

  private static JsonArray ints(int... v) {
    JsonArray a = new JsonArray();
    for (int x : v) {
      a.add(x);
    }
    return a;
  }

  private static JsonArray floats(float[] values) {
    JsonArray a = new JsonArray();
    for (float v : values) {
      a.add(Double.parseDouble(Float.toString(v))); // 0.485, not 0.48500001430511475
    }
    return a;
  }
}
