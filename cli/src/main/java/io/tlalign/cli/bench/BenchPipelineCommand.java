package io.tlalign.cli.bench;

import io.tlalign.cli.options.BatchSizeOption;
import io.tlalign.local.bench.PipelineBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tlalign bench pipeline}: records/s per core through decode, augment, pair, CutMix. */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = {
      "Records per second per core through Avro decode, validation, augmentation, pairing and"
          + " CutMix (the operators' own code on one thread), without the training step; then"
          + " the training step's rate on the same batches.",
      "Reads Fashion-MNIST from --data (default /usr/share/datasets/fashion-mnist: apt-get"
          + " install dataset-fashion-mnist); fewer images than --records are cycled. Last line:"
          + " 'pipeline_over_training=R' (goal: R >= 3)."
    })
final class BenchPipelineCommand extends BenchRun {

  @Option(
      names = "--records",
      defaultValue = "60000",
      description = "Records to push through (default: ${DEFAULT-VALUE}).")
  int records;

  @Mixin BatchSizeOption batch = new BatchSizeOption(128);

  @Option(
      names = "--training-steps",
      defaultValue = "20",
      description = "Timed training steps for the comparison (default: ${DEFAULT-VALUE}).")
  int trainingSteps;

  @Mixin FashionMnistOption data;

  @Override
  Benchmark benchmark() {
    PipelineBenchmark bench =
        new PipelineBenchmark(
            new PipelineBenchmark.Options(
                records, batch.value(), trainingSteps, 0L, data.folder()));
    return bench::run;
  }
}
