package io.tlalign.model.weights;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a model's parameters as {@code model.safetensors} plus {@code config.json} for timm (its
 * pretrained-config fields) or for Hugging Face ({@code ViTConfig} of a {@code
 * ViTForImageClassification}).
 *
 * <p>The data config is the preset's ({@link VitPresets#dataConfig}): mean, std, crop_pct and
 * interpolation as the job's evaluation transform uses them.
 */
public final class WeightsExport {

  /** The name set of an export. */
  public enum Names {
    TIMM,
    HF
  }

  public static final String CONFIG_FILE = "config.json";

  private WeightsExport() {}

  /**
   * Writes {@code dir/model.safetensors} and {@code dir/config.json}.
   *
   * @param parameters under this model's names (as {@link PretrainedWeights#load} returns them)
   * @return the two files written
   */
  public static List<Path> write(
      List<NamedTensor> parameters, VitConfig config, Names names, Path dir) throws IOException {
    return write(parameters, config, names, dir, List.of());
  }

  /**
   * As {@link #write(List, VitConfig, Names, Path)}, with the class names: timm's {@code
   * label_names}, or Hugging Face's {@code id2label} and {@code label2id}.
   *
   * @param labelNames one per class, or empty when unknown
   */
  public static List<Path> write(
      List<NamedTensor> parameters,
      VitConfig config,
      Names names,
      Path dir,
      List<String> labelNames)
      throws IOException {
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
    Files.createDirectories(dir);
    Path weights = dir.resolve(PretrainedWeights.SAFETENSORS_FILE);
    Safetensors.write(weights, out, Map.of());
    JsonObject json =
        names == Names.HF ? hfConfig(config, labelNames) : timmConfig(config, labelNames);
    Path cfg = dir.resolve(CONFIG_FILE);
    Files.writeString(
        cfg,
        new GsonBuilder().setPrettyPrinting().create().toJson(json) + "\n",
        StandardCharsets.UTF_8);
    return List.of(weights, cfg);
  }

  /** timm's pretrained config ({@code pretrained_cfg}) fields for this model. */
  static JsonObject timmConfig(VitConfig c, List<String> labelNames) {
    JsonObject o = new JsonObject();
    o.addProperty("architecture", "vit_tlalign_" + c.name().replace('-', '_'));
    o.addProperty("num_classes", c.numClasses());
    o.add("input_size", ints(c.channels(), c.imageHeight(), c.imageWidth()));
    DataConfig data = VitPresets.dataConfig(c);
    o.add("mean", floats(data.mean()));
    o.add("std", floats(data.std()));
    o.addProperty("crop_pct", data.cropPct());
    o.addProperty("interpolation", data.interpolation().name().toLowerCase(Locale.ROOT));
    o.addProperty("first_conv", "patch_embed.proj");
    o.addProperty("classifier", "head");
    if (!labelNames.isEmpty()) {
      JsonArray labels = new JsonArray();
      labelNames.forEach(labels::add);
      o.add("label_names", labels);
    }
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
      a.add((double) v);
    }
    return a;
  }
}
