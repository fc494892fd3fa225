package io.tlalign.cli;

import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.ImageFolderDataset;
import io.tlalign.datasets.MalformedDatasetException;
import io.tlalign.datasets.Split;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.local.demo.DemoData;
import io.tlalign.local.demo.DemoRun;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlalign demo}: broker, replay, training, evaluation and a report, on one machine. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs everything on this machine: a local Kafka broker (temp folder), Fashion-MNIST"
          + " replayed (train to images.train, test to images.eval), the bounded training job on"
          + " a local Flink cluster with a live progress line on stderr, then the last published"
          + " model evaluated on the test split.",
      "Writes <out>/<yyyyMMdd-HHmmss>/ with report.md, metrics.csv and curves.png. Data: --data,"
          + " else /usr/share/datasets/fashion-mnist, else ~/.cache/tlalign/datasets/fashion-mnist;"
          + " else apt-get install dataset-fashion-mnist (root on Debian), else the published files"
          + " downloaded into that cache with their MD5 checked; offline, a small GENERATED"
          + " dataset, labelled as such.",
      "--data DIR may instead be an image folder, DIR/<class-name>/*.png|jpg|jpeg of any sizes:"
          + " about a tenth of each class (round(n/10), at least 1 of a class of 2 or more) is held"
          + " out as the test split, chosen by --seed; the class names become the label names.",
      "Last line: 'demo: test_accuracy=A steps=S images_per_s=R skipped=F dead_lettered=D"
          + " report=PATH' (F: files not sent or not scored, D: records the job dead-lettered)."
    })
public final class DemoCommand implements Callable<Integer> {

  /**
   * Default steps: 1,400 x 128 images (3 epochs of Fashion-MNIST), on 2 PyTorch threads, without
   * shift and flip (in a run this short they cost more accuracy than they give back). Measured on
   * an otherwise idle 2-core machine: 81.3% test accuracy with TL-Align, 264 s in all (778
   * images/s).
   */
  static final int DEFAULT_STEPS = 1400;

  @Option(
      names = "--steps",
      defaultValue = "" + DEFAULT_STEPS,
      description =
          "Training steps; the replay holds exactly steps x batch-size images"
              + " (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--mixing",
      converter = TargetModeConverter.class,
      description = "tlalign, cutmix or none, any case (default: ${DEFAULT-VALUE}).")
  TargetMode mixing = TlAlignOptions.MIXING.defaultValue();

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description =
          "A folder with the four Fashion-MNIST .gz files, or an image folder"
              + " DIR/<class-name>/*.png|jpg|jpeg (default: /usr/share/datasets/fashion-mnist).")
  Path data;

  @Option(
      names = "--model",
      paramLabel = "PRESET",
      description =
          "ViT preset: vit-tiny-fm, deit-tiny, deit-small or deit-base (default: ${DEFAULT-VALUE}).")
  String model = TlAlignOptions.MODEL.defaultValue();

  @Option(names = "--seed", description = "Job and shuffle seed (default: ${DEFAULT-VALUE}).")
  long seed = TlAlignOptions.SEED.defaultValue();

  @CommandLine.Mixin InitFromOption initFrom;

  @CommandLine.Mixin LocalRunOptions local;

  @CommandLine.Mixin RecipeOptions recipe;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (steps <= 0) {
      fail("--steps must be > 0, got " + steps + "; try --steps " + DEFAULT_STEPS);
    }
    recipe.check(spec.commandLine());
    if ((long) steps * recipe.batch > 50_000_000L) {
      fail("--steps " + steps + " is more than 50,000,000 images to replay; lower --steps");
    }
    if (data != null && !Files.isDirectory(data)) {
      fail(
          "--data "
              + data
              + " is not a folder; point --data at a folder with the Fashion-MNIST .gz files, or"
              + " leave it out to use /usr/share/datasets/fashion-mnist");
    }
    int classes = FashionMnist.CLASS_NAMES.size();
    if (data != null) {
      try {
        if (DemoData.layoutOf(data) == DemoData.Kind.IMAGE_FOLDER) {
          classes = ImageFolderDataset.open(data, Split.TRAIN).classes().size();
        }
      } catch (IllegalArgumentException | MalformedDatasetException e) {
        fail(e.getMessage());
      }
    }
    VitConfig preset = preset(classes);
    local.check(spec.commandLine());
    if (initFrom.file != null) {
      WeightsFiles.checkInitFrom(spec.commandLine(), initFrom.file, preset, seed, "demo");
    }
    Path runDir = local.startRunFolder();
    var stdout = spec.commandLine().getOut();
    PrintStream err = Stderr.open();
    DemoRun.Options options =
        new DemoRun.Options(
            steps,
            mixing,
            seed,
            data,
            runDir,
            LocalRunOptions.terminal(),
            recipe.runConfig(preset.name(), local, initFrom));
    DemoRun.Result result = new DemoRun(options).run(err);
    err.flush();
    LocalRunOptions.noteGenerated(stdout, "demo", result.generatedData());
    stdout.printf(
        Locale.ROOT,
        "demo: wall_s=%.1f report=%s%n",
        result.wall().toMillis() / 1000.0,
        result.report());
    stdout.println(result.lastLine());
    stdout.flush();
    return 0;
  }

  /** The {@code --model} preset with the data's class count. */
  private VitConfig preset(int classes) {
    if (!VitPresets.names().contains(model.trim().toLowerCase(Locale.ROOT))) {
      fail(
          "--model \""
              + model
              + "\" is not a preset; pick one of "
              + String.join(", ", VitPresets.names()));
    }
    return VitPresets.byName(model).withNumClasses(classes);
  }

  private void fail(String message) {
    throw new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
