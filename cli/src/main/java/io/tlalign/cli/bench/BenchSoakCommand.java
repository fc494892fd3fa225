package io.tlalign.cli.bench;

import io.tlalign.cli.options.BatchSizeOption;
import io.tlalign.local.bench.SoakBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tlalign bench soak}: resident memory of the real job over a long run. */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the real training job (local Flink cluster in this JVM, local Kafka broker in a temp"
          + " folder, Fashion-MNIST replayed shuffled per epoch) for --steps steps and prints"
          + " 'soak: step=S rss_mb=R heap_used_mb=H heap_committed_mb=C images_per_s=X' every"
          + " --report-every steps.",
      "RSS is VmRSS of this JVM (/proc/self/status); heap is Runtime total minus free, no"
          + " forced GC. Last lines: 'soak: steps=S rss_first_report_mb=A rss_last_mb=B"
          + " drift_pct=D' and 'soak: goal_met=true|false' (goal: |D| <= 5). Exits 0 either way."
    })
final class BenchSoakCommand extends BenchRun {

  @Option(
      names = "--steps",
      defaultValue = "10000",
      description = "Training steps to run (default: ${DEFAULT-VALUE}).")
  int steps;

  @Mixin BatchSizeOption batch = new BatchSizeOption(128);

  @Option(
      names = "--report-every",
      defaultValue = "1000",
      description = "Print a memory line every this many steps (default: ${DEFAULT-VALUE}).")
  int reportEvery;

  @Mixin FashionMnistOption data;

  @Override
  Benchmark benchmark() {
    SoakBenchmark bench =
        new SoakBenchmark(
            new SoakBenchmark.Options(steps, batch.value(), reportEvery, data.folder(), 0L));
    return bench::run;
  }
}
