package io.tlalign.cli.bench;

import io.tlalign.local.bench.DecodeBenchmark;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlalign bench decode}: photo-size JPEG records to a model's input, per core. */
@Command(
    name = "decode",
    mixinStandardHelpOptions = true,
    description = {
      "Images per second per core from JPEG records to the model's input through the job's own"
          + " decode stage on one thread: the JPEG decode alone, then decode + training transform"
          + " (RandomResizedCrop, flip, normalise), then decode + evaluation transform (resize,"
          + " centre crop, normalise). The JPEGs are made here: --width x --height, textured,"
          + " deterministic.",
      "Then the model's TL-Align training rate on one PyTorch thread on those images, and last"
          + " 'decode_train_over_training=R': how many training threads one decoding core feeds."
          + " --train-steps 0 skips the training and says how to measure it with 'bench step'."
    })
final class BenchDecodeCommand extends BenchRun {

  @Option(
      names = "--model",
      defaultValue = "deit-tiny",
      description = "ViT preset whose input the images become (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--width",
      defaultValue = "500",
      description = "JPEG width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--height",
      defaultValue = "375",
      description = "JPEG height (default: ${DEFAULT-VALUE}).")
  int height;

  @Option(
      names = "--quality",
      defaultValue = "0.9",
      description = "JPEG quality in (0, 1] (default: ${DEFAULT-VALUE}).")
  float quality;

  @Option(
      names = "--images",
      defaultValue = "32",
      description = "Distinct JPEGs made, cycled (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--records",
      defaultValue = "500",
      description = "Records timed per transform (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(
      names = "--train-batch",
      defaultValue = "32",
      description = "Images per training step (default: ${DEFAULT-VALUE}).")
  int trainBatch;

  @Option(
      names = "--train-steps",
      defaultValue = "5",
      description =
          "Timed training steps after one warm-up step; 0: no training (default:"
              + " ${DEFAULT-VALUE}).")
  int trainSteps;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of the images and crops (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  Benchmark benchmark() {
    DecodeBenchmark bench =
        new DecodeBenchmark(
            new DecodeBenchmark.Options(
                model, width, height, quality, images, records, trainBatch, trainSteps, seed));
    return out -> bench.run(new PrintWriter(out, true));
  }
}
