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
 * Face. Exporting weights just imported gives back the same tensors bit for bit.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write weights as DIR/model.safetensors and DIR/config.json with timm or Hugging Face"
            + " names.")
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
          "Preset of the weights; default: the one a model file names, else vit-tiny-fm. The"
              + " class count is taken from the weights' head.")
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
            + written.get(0)
            + " and "
            + written.get(1));
    out.flush();
    return 0;
  }
}
