package io.tlalign.cli.bench;

import io.tlalign.cli.options.BatchSizeOption;
import io.tlalign.model.bench.StepBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tlalign bench step}: the training step of the three target modes, interleaved. */
@Command(
    name = "step",
    mixinStandardHelpOptions = true,
    description = {
      "Time one training step with plain, CutMix and TL-Align targets on the same synthetic"
          + " batches, interleaving the modes step by step.",
      "Prints the BLAS path, a model line, the one-thread SGEMM rate and the model's training"
          + " FLOPs per image (3 x forward, 2 per multiply-add, attention included), 'mode=M"
          + " images_per_s=X median_ms=T spread_ms=P10..P90 gflops=G share_of_1t_peak=S' per"
          + " mode and last 'tlalign_over_cutmix=R' (median TL-Align step time over median"
          + " CutMix step time)."
    })
final class BenchStepCommand extends BenchRun {

  @Option(
      names = "--model",
      defaultValue = "vit-tiny-fm",
      description = "ViT preset (default: ${DEFAULT-VALUE}).")
  String model;

  @Mixin BatchSizeOption batch = new BatchSizeOption(128);

  @Option(
      names = "--steps",
      defaultValue = "50",
      description = "Timed steps per mode (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--warmup",
      defaultValue = "3",
      description = "Untimed warm-up steps per mode (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "PyTorch intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of the models and the synthetic batches (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--rss-every",
      defaultValue = "0",
      description =
          "Print VmRSS every N rounds of the three modes; 0 prints it at start and end only"
              + " (default: ${DEFAULT-VALUE}).")
  int rssEvery;

  @Override
  Benchmark benchmark() {
    StepBenchmark bench =
        new StepBenchmark(
            new StepBenchmark.Options(
                model, batch.value(), steps, warmup, seed, threads, rssEvery));
    return bench::run;
  }
}
