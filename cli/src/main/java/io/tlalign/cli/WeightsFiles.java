package io.tlalign.cli;

import io.tlalign.model.weights.PretrainedWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** The {@code --weights FILE [--model PRESET]} handling that export and predict share. */
final class WeightsFiles {

  private WeightsFiles() {}

  /**
   * Loads {@code --init-from} weights once for {@code preset} before anything starts, so that bad
   * ones fail the command (exit 2, naming the file and every mismatch); prints what was adapted.
   */
  static void checkInitFrom(
      CommandLine cl, Path initFrom, io.tlalign.model.vit.VitConfig preset, long seed, String cmd)
      throws IOException {
    PretrainedWeights.Loaded loaded;
    try {
      loaded = PretrainedWeights.load(initFrom, preset, seed);
    } catch (IllegalArgumentException | java.io.FileNotFoundException e) {
      throw new CommandLine.ParameterException(
          cl, "--init-from " + initFrom + ": " + e.getMessage());
    }
    for (String note : loaded.notes()) {
      cl.getOut().println(cmd + ": init-from: " + note);
    }
  }

  /** Loads weights as they are; a bad file or preset is a bad argument (exit 2) naming it. */
  static PretrainedWeights.AsIs loadAsIs(CommandLine cl, Path weights, String preset)
      throws IOException {
    Path file = PretrainedWeights.resolve(weights);
    if (!Files.isRegularFile(file)) {
      throw new CommandLine.ParameterException(
          cl,
          "--weights "
              + weights
              + " is not a file; pass a .tlas model file, a .safetensors file or an exported"
              + " folder");
    }
    try {
      return PretrainedWeights.loadAsIs(file, preset);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--weights/--model: " + e.getMessage());
    }
  }
}
