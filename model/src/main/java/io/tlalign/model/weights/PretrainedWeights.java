package io.tlalign.model.weights;

import ai.djl.nn.Parameter;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.ParameterInit;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Loads a foreign or own checkpoint into a preset strictly, the way timm does: the file is read
 * (safetensors with timm or Hugging Face names, or a model file of this system), renamed to timm's
 * names, adapted by {@link CheckpointFilter} where timm would adapt it, and then every tensor the
 * preset needs must be there with its shape, else one {@link IncompatibleWeightsException} lists
 * everything missing, unexpected and mismatched.
 */
public final class PretrainedWeights {

  /** The file name inside an exported folder. */
  public static final String SAFETENSORS_FILE = "model.safetensors";

  /**
   * Weights ready for a model.
   *
   * @param parameters under this model's names, in its parameter order, with its shapes
   * @param notes what was recognised and adapted, one line each, for the log
   */
  public record Loaded(List<NamedTensor> parameters, List<String> notes) {}

  private PretrainedWeights() {}

  /**
   * Reads {@code file} (or {@code file/model.safetensors} when it is a folder) for {@code target}.
   *
   * @param seed the seed a re-initialised tensor (a head for another class count) is drawn from, so
   *     it equals a fresh model's
   * @throws IncompatibleWeightsException when the weights do not fit, listing all differences
   * @throws IllegalArgumentException naming the preset to use when the file is a model file of
   *     another preset, or its {@code config.json} names another preset
   * @throws IOException when the file cannot be read or is malformed, naming it
   */
  public static Loaded load(Path file, VitConfig target, long seed) throws IOException {
    Objects.requireNonNull(file, "file");
    Path f = resolve(file);
    if (!Files.isRegularFile(f)) {
      throw new java.io.FileNotFoundException(
          "weights file "
              + f
              + " does not exist; pass a .safetensors file (timm or Hugging Face names), an"
              + " exported folder, or a model file (.tlas) this system published");
    }
    List<String> notes = new ArrayList<>();
    Source source = readAsTimm(f, notes);
    WeightsPreset.checkFits(f, source, target);
    return fit(source.tensors(), target, seed, f.toString(), notes);
  }

  /**
   * A checkpoint's tensors under timm's names.
   *
   * @param tensors by timm name (names it does not know are kept as they are)
   * @param preset the preset a model file of this system names; null for safetensors
   * @param metadata a model file's metadata (its run's facts, its data config); empty for
   *     safetensors
   */
  public record Source(
      Map<String, NamedTensor> tensors, String preset, Map<String, String> metadata) {}

  /** The folder's {@code model.safetensors} for a folder, else {@code path} itself. */
  public static Path resolve(Path path) {
    return Files.isDirectory(path) ? path.resolve(SAFETENSORS_FILE) : path;
  }

  /**
   * Weights as they are, for a preset: the one a model file names (a conflicting {@code preset} is
   * an error), else {@code preset}, else the one a {@code config.json} beside safetensors names
   * (with none of these, an error naming the fix); the class count is the weights' head's, so
   * nothing is re-initialised.
   *
   * @param config the preset with the weights' class count
   * @param data the data config the weights were trained with; see {@link #dataConfig}
   */
  public record AsIs(VitConfig config, Loaded weights, DataConfig data) {}

  /**
   * Reads {@code file} as it is; see {@link AsIs}. Strict, as {@link #load}.
   *
   * @param preset the preset asked for; null to take the file's own
   * @throws IllegalArgumentException naming the file and the fix when the preset conflicts with a
   *     model file's own, or safetensors name none and {@code preset} is null
   */
  public static AsIs loadAsIs(Path file, String preset) throws IOException {
    Path f = resolve(file);
    List<String> notes = new ArrayList<>();
    Source source = readAsTimm(f, notes);
    VitConfig config = WeightsPreset.of(f, source, preset);
    NamedTensor head = source.tensors().get("head.weight");
    if (head != null
        && head.rank() == 2
        && head.shape()[0] > 0
        && head.shape()[0] <= Integer.MAX_VALUE) {
      config = config.withNumClasses((int) head.shape()[0]);
    }
    return new AsIs(
        config,
        fit(source.tensors(), config, 0, f.toString(), notes),
        dataConfig(f, config, source));
  }

  /**
   * The data config weights were trained with: a model file's own record (its metadata), else the
   * timm {@code config.json} beside a safetensors file (an export's mean, std, crop_pct and
   * interpolation), else the preset's.
   *
   * @throws IOException naming a {@code config.json} whose data config fields do not parse
   */
  static DataConfig dataConfig(Path file, VitConfig config, Source source) throws IOException {
    if (source.preset() != null) {
      return VitPresets.dataConfig(config, source.metadata());
    }
    DataConfig preset = VitPresets.dataConfig(config);
    Path json = WeightsPreset.configBeside(file);
    return Files.isRegularFile(json) ? WeightsExport.readDataConfig(json, preset) : preset;
  }

  /** The tensors of {@code file} under timm's names, with a note on the format recognised. */
  public static Source readAsTimm(Path file, List<String> notes) throws IOException {
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      if (in.readNBytes(head, 0, 4) == 4
          && ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt()
              == TrainingStateFormat.MAGIC) {
        TrainingState state;
        try (InputStream again = Files.newInputStream(file)) {
          state = TrainingState.readFrom(again);
        }
        notes.add(
            "read a model file of preset "
                + state.preset()
                + " at step "
                + state.step()
                + "; its optimizer moments are not used");
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (NamedTensor t : state.parameters()) {
          String name = WeightNames.modelToTimm(t.name()).orElse(t.name());
          out.put(name, WeightNames.rename(t, name));
        }
        return new Source(out, state.preset(), state.metadata());
      }
    }
    Safetensors.Contents c = Safetensors.read(file);
    if (WeightNames.looksLikeHf(c.tensors().keySet())) {
      notes.add("read safetensors with Hugging Face ViT names; joined query, key, value into qkv");
      return new Source(WeightNames.hfToTimm(c.tensors(), notes), null, Map.of());
    }
    notes.add("read safetensors with timm names");
    return new Source(new LinkedHashMap<>(c.tensors()), null, Map.of());
  }

  /**
   * Adapts timm-named tensors to {@code target} and checks them strictly.
   *
   * @param source names the weights in messages
   */
  public static Loaded fit(
      Map<String, NamedTensor> timm,
      VitConfig target,
      long seed,
      String source,
      List<String> notes) {
    Map<String, NamedTensor> adapted = CheckpointFilter.apply(timm, target, seed, notes);
    Map<String, long[]> expected = WeightNames.timmShapes(target);
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      NamedTensor t = adapted.get(e.getKey());
      if (t == null) {
        missing.add(e.getKey());
      } else if (!Arrays.equals(t.shape(), e.getValue())) {
        mismatched.add(
            e.getKey()
                + ": file shape "
                + Arrays.toString(t.shape())
                + ", model shape "
                + Arrays.toString(e.getValue()));
      }
    }
    for (String name : adapted.keySet()) {
      if (!expected.containsKey(name)) {
        unexpected.add(name);
      }
    }
    if (!missing.isEmpty() || !unexpected.isEmpty() || !mismatched.isEmpty()) {
      throw new IncompatibleWeightsException(
          source, target.name(), missing, unexpected, mismatched);
    }
    List<NamedTensor> params = new ArrayList<>();
    for (Map.Entry<String, String> e : WeightNames.timmToModel(target).entrySet()) {
      NamedTensor t = adapted.get(e.getKey());
      params.add(new NamedTensor(e.getValue(), t.shape(), t.data()));
    }
    return new Loaded(List.copyOf(params), List.copyOf(notes));
  }

  /** A fresh model's value of one parameter (same seed, same name: the same bits). */
  static NamedTensor initialValue(VitConfig target, long seed, String timmName, long[] shape) {
    String modelName = WeightNames.timmToModel(target).get(timmName);
    Parameter.Type type = timmName.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT;
    int n = Math.toIntExact(NamedTensor.elementCount(shape));
    return new NamedTensor(timmName, shape, ParameterInit.valuesFor(seed, modelName, type, n));
  }
}
