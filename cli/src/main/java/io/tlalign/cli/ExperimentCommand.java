package io.tlalign.cli;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.local.experiment.ExperimentRun;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.VitPresets;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlalign experiment}: no-mix, CutMix and TL-Align over seeds, through the real job. */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = {
      "Trains no-mix, CutMix and TL-Align on the same replayed Fashion-MNIST stream with the same"
          + " seeds, each through the real streaming job on a local Flink cluster and Kafka broker,"
          + " and scores each final model on the test split.",
      "Writes <out>/<yyyyMMdd-HHmmss>/ with experiment.md (mean and spread of test top-1 per"
          + " method, training time), experiment.csv and experiment.png (accuracy curves with a"
          + " band over seeds, and the histogram of aligned share minus lambda).",
      "Last line: 'experiment: none=A±s cutmix=B±s tlalign=C±s'."
    })
public final class ExperimentCommand implements Callable<Integer> {

  @Option(
      names = "--seeds",
      defaultValue = "3",
      description = "Seeds per method (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(
      names = "--epochs",
      defaultValue = "2",
      description = "Epochs of the training split per run (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--model", description = "ViT preset (default: ${DEFAULT-VALUE}).")
  String model = TlAlignOptions.MODEL.defaultValue();

  @CommandLine.Mixin InitFromOption initFrom;

  @Option(
      names = "--methods",
      defaultValue = "none,cutmix,tlalign",
      split = ",",
      converter = TargetModeConverter.class,
      description = "Methods to compare, in order, any case (default: ${DEFAULT-VALUE}).")
  List<TargetMode> methods;

  @Option(
      names = "--limit",
      defaultValue = "0",
      description = "At most this many training images per run; 0: all epochs (default: 0).")
  long limit;

  @Option(names = "--data", description = "Fashion-MNIST folder with the four .gz files.")
  Path data;

  @CommandLine.Mixin LocalRunOptions local;

  @Option(
      names = "--curve-images",
      defaultValue = "2000",
      description =
          "Test images each published model is scored on for the curves (default:"
              + " ${DEFAULT-VALUE}); final accuracies use the whole test split.")
  int curveImages;

  @CommandLine.Mixin RecipeOptions recipe;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (seeds < 1 || seeds > 100) {
      fail("--seeds must be in 1..100, got " + seeds + "; try --seeds 3");
    }
    if (epochs < 1 || epochs > 1000) {
      fail("--epochs must be in 1..1000, got " + epochs + "; try --epochs 2");
    }
    try {
      VitPresets.byName(model);
    } catch (IllegalArgumentException e) {
      fail("--model \"" + model + "\" is not a preset; try --model vit-tiny-fm");
    }
    List<TargetMode> m = new ArrayList<>();
    for (TargetMode t : methods) {
      if (m.contains(t)) {
        fail("--methods names \"" + t + "\" twice; name each method once");
      }
      m.add(t);
    }
    if (limit < 0) {
      fail("--limit must be >= 0, got " + limit + "; 0 trains on all epochs");
    }
    recipe.check(spec.commandLine());
    local.check(spec.commandLine());
    if (curveImages <= 0) {
      fail("--curve-images must be > 0, got " + curveImages + "; try --curve-images 2000");
    }
    if (data != null && !Files.isDirectory(data)) {
      fail("--data " + data + " is not a folder; point it at the Fashion-MNIST .gz files");
    }
    if (initFrom.file != null) {
      WeightsFiles.checkInitFrom(
          spec.commandLine(), initFrom.file, VitPresets.byName(model), 0, "experiment");
    }
    Path runDir = local.startRunFolder();
    var stdout = spec.commandLine().getOut();
    PrintStream err = Stderr.open();
    ExperimentRun.Options options =
        new ExperimentRun.Options(
            m,
            seeds,
            epochs,
            limit,
            curveImages,
            data,
            runDir,
            LocalRunOptions.terminal(),
            recipe.runConfig(model, local, initFrom));
    ExperimentRun.Result result = new ExperimentRun(options).run(err);
    err.flush();
    LocalRunOptions.noteGenerated(stdout, "experiment", result.generatedData());
    stdout.println("experiment: report=" + result.report() + " chart=" + result.chart());
    stdout.println(result.lastLine());
    stdout.flush();
    return 0;
  }

  private void fail(String message) {
    throw new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
