package io.tlalign.cli;

import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.weights.PretrainedWeights;
import io.tlalign.model.weights.WeightsExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tlalign export}: writes weights (a model file of this system, or safetensors with timm
 * or Hugging Face names) as {@code model.safetensors} and {@code config.json} for timm or Hugging
 * Face (with {@code preprocessor_config.json} for Hugging Face's image processor). Exporting
 * weights just imported gives back the same tensors bit for bit.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write weights as DIR/model.safetensors and DIR/config.json with timm or Hugging Face"
            + " names (hf adds DIR/preprocessor_config.json).")
final class ExportCommand implements Callable<Integer> {

  @Option(
      names = "--weights",
      required = true,
      paramLabel = "FILE",
      description =
          "A model file (.tlas) this system published, or safetensors with timm or Hugging Face"
              + " ViT names, or an exported folder.")
  Path weights;

  @Option(names = "--to", required = true, paramLabel = "DIR", description = "Output folder.")
  Path to;

  @Option(
      names = "--model",
      paramLabel = "PRESET",
      description =
          "Preset of safetensors weights (needed unless a config.json beside them names it); a"
              + " model file names its own. The class count is taken from the weights' head.")
  String model;

  @Option(
      names = "--names",
      defaultValue = "timm",
      paramLabel = "timm|hf",
      description = "Name set and config.json flavour (default: ${DEFAULT-VALUE}).")
  WeightsExport.Names names;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path file = PretrainedWeights.resolve(weights);
    if (!Files.isRegularFile(file)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--weights "
              + weights
              + " is not a file; pass a .tlas model file, a .safetensors file or an exported"
              + " folder");
    }
    if (Files.exists(to) && !Files.isDirectory(to)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--to " + to + " is a file; name a folder to write into");
    }
    PretrainedWeights.AsIs asIs = WeightsFiles.loadAsIs(spec.commandLine(), file, model);
    VitConfig config = asIs.config();
    PretrainedWeights.Loaded loaded = asIs.weights();
    List<Path> written = WeightsExport.write(loaded.parameters(), config, asIs.data(), names, to);
    java.io.PrintWriter out = spec.commandLine().getOut();
    for (String note : loaded.notes()) {
      out.println("export: " + note);
    }
    out.println(
        "export: "
            + config.name()
            + " ("
            + config.numClasses()
            + " classes) with "
            + names.name().toLowerCase(java.util.Locale.ROOT)
            + " names to "
            + listed(written));
    out.flush();
    return 0;
  }

  /** "a, b and c". */
  private static String listed(List<Path> files) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < files.size(); i++) {
      b.append(i == 0 ? "" : i == files.size() - 1 ? " and " : ", ").append(files.get(i));
    }
    return b.toString();
  }
}
