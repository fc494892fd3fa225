package io.tlalign.model.weights;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which preset weights are: a model file of this system names its own; safetensors carry no shape
 * description, so the caller names the preset or a {@code config.json} beside the file does (the
 * {@code architecture} of a timm config, or the shape fields of a Hugging Face {@code ViTConfig}).
 * Guessing a preset for bare safetensors would only move the error into a list of mismatched
 * tensors, so that is refused with the fix instead.
 */
final class WeightsPreset {

  /** timm's own DeiT architectures, distilled ones included (their extra token is dropped). */
  private static final Pattern TIMM_DEIT =
      Pattern.compile("deit_(tiny|small|base)(_distilled)?_patch16_224");

  /** The {@code architecture} our timm export writes: {@code vit_tlalign_} + the preset name. */
  private static final String OWN_PREFIX = "vit_tlalign_";

  private WeightsPreset() {}

  /**
   * The preset to read {@code file} as it is (predict, export).
   *
   * @param requested the preset the user named; null when none
   * @throws IllegalArgumentException naming the file and the fix when a model file's own preset
   *     conflicts with {@code requested}, or when safetensors name none and {@code requested} is
   *     null
   * @throws IOException naming a {@code config.json} beside the file that is not JSON
   */
  static VitConfig of(Path file, PretrainedWeights.Source source, String requested)
      throws IOException {
    if (source.preset() != null) {
      VitConfig own = VitPresets.byName(source.preset());
      if (requested != null && !VitPresets.byName(requested).name().equals(own.name())) {
        throw conflict(
            file,
            own.name(),
            VitPresets.byName(requested).name(),
            "leave --model out (a model file is read with its own preset) or pass --model "
                + own.name());
      }
      return own;
    }
    if (requested != null) {
      return VitPresets.byName(requested);
    }
    Path json = configBeside(file);
    if (!Files.isRegularFile(json)) {
      throw new IllegalArgumentException(
          "safetensors file "
              + file
              + " does not say which preset it is: pass --model PRESET (one of "
              + String.join(", ", VitPresets.names())
              + "), or keep the "
              + WeightsExport.CONFIG_FILE
              + " of its export (it names the architecture) beside it");
    }
    JsonObject config = readJson(json);
    return named(config)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    json
                        + " beside "
                        + file
                        + " names "
                        + describe(config)
                        + ", which is no preset here: pass --model PRESET (one of "
                        + String.join(", ", VitPresets.names())
                        + ")"));
  }

  /**
   * Checks that {@code file} may start a model of preset {@code target} ({@code --init-from}, where
   * the run's own preset decides): a model file of another preset, or safetensors whose {@code
   * config.json} names another preset, is refused with the preset to pass instead. A {@code
   * config.json} that names no preset here is left to the strict shape check.
   */
  static void checkFits(Path file, PretrainedWeights.Source source, VitConfig target) {
    Optional<String> own;
    if (source.preset() != null) {
      own = Optional.of(source.preset());
    } else {
      Path json = configBeside(file);
      try {
        own =
            Files.isRegularFile(json)
                ? named(readJson(json)).map(VitConfig::name)
                : Optional.empty();
      } catch (IOException | RuntimeException e) {
        own = Optional.empty(); // not ours to judge here: the tensors are checked strictly anyway
      }
    }
    if (own.isPresent() && !own.get().equals(target.name())) {
      throw conflict(file, own.get(), target.name(), "pass --model " + own.get() + " to use it");
    }
  }

  private static IllegalArgumentException conflict(
      Path file, String own, String requested, String fix) {
    return new IllegalArgumentException(
        file + " holds a " + own + " model, but the preset is " + requested + ": " + fix);
  }

  /** The {@code config.json} in the folder of {@code file}. */
  static Path configBeside(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent.resolve(WeightsExport.CONFIG_FILE);
  }

  private static JsonObject readJson(Path json) throws IOException {
    try {
      return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    } catch (RuntimeException e) {
      throw new IOException(json + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  /**
   * The preset a {@code config.json} names: a timm config's {@code architecture} (ours, or timm's
   * DeiT names), or the one preset whose shape a Hugging Face {@code ViTConfig} describes.
   */
  static Optional<VitConfig> named(JsonObject config) {
    JsonElement arch = config.get("architecture");
    if (arch != null && arch.isJsonPrimitive()) {
      String a = arch.getAsString().toLowerCase(Locale.ROOT);
      if (a.startsWith(OWN_PREFIX)) {
        String name = a.substring(OWN_PREFIX.length()).replace('_', '-');
        return VitPresets.names().contains(name)
            ? Optional.of(VitPresets.byName(name))
            : Optional.empty();
      }
      Matcher deit = TIMM_DEIT.matcher(a);
      return deit.matches()
          ? Optional.of(VitPresets.byName("deit-" + deit.group(1)))
          : Optional.empty();
    }
    if (config.has("model_type") && "vit".equals(config.get("model_type").getAsString())) {
      return VitPresets.names().stream()
          .map(VitPresets::byName)
          .filter(p -> describesShape(config, p))
          .findFirst();
    }
    return Optional.empty();
  }

  /** Whether a Hugging Face {@code ViTConfig} has exactly the preset's shape. */
  private static boolean describesShape(JsonObject o, VitConfig p) {
    try {
      JsonElement size = o.get("image_size");
      int h = size.isJsonArray() ? size.getAsJsonArray().get(0).getAsInt() : size.getAsInt();
      int w = size.isJsonArray() ? size.getAsJsonArray().get(1).getAsInt() : size.getAsInt();
      return o.get("hidden_size").getAsInt() == p.embedDim()
          && o.get("num_hidden_layers").getAsInt() == p.depth()
          && o.get("num_attention_heads").getAsInt() == p.numHeads()
          && o.get("intermediate_size").getAsInt() == p.mlpHiddenDim()
          && o.get("patch_size").getAsInt() == p.patchSize()
          && o.get("num_channels").getAsInt() == p.channels()
          && h == p.imageHeight()
          && w == p.imageWidth();
    } catch (RuntimeException e) {
      return false; // a field missing or of another type: not this shape
    }
  }

  /** What a config names, for an error message. */
  private static String describe(JsonObject o) {
    if (o.has("architecture")) {
      return "architecture " + o.get("architecture");
    }
    if (o.has("model_type")) {
      return "a model_type " + o.get("model_type") + " config of another shape than every preset";
    }
    return "no architecture";
  }
}
