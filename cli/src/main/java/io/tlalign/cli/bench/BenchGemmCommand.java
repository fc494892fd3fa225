package io.tlalign.cli.bench;

import io.tlalign.model.bench.GemmBenchmark;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlalign bench gemm}: the engine's SGEMM rate at one thread and at every core. */
@Command(
    name = "gemm",
    mixinStandardHelpOptions = true,
    description = {
      "Times the engine's single-precision matrix product [M, K] x [K, N] (default: deit-tiny's"
          + " qkv projection at batch 16) at one intra-op thread and at every core.",
      "Prints the BLAS path ('blas: blas=mkl-vendor-fix|default|mkl-generic (...)'), 'gemm:"
          + " threads=T ... median_ms=X gflops=G spread_ms=P10..P90' per thread count and last"
          + " 'gemm_peak_1t_gflops=G'."
    })
final class BenchGemmCommand extends BenchRun {

  @Option(names = "--m", description = "Rows of the left operand (default: 3152).")
  int m = GemmBenchmark.DEFAULT_M;

  @Option(names = "--k", description = "Inner size (default: 192).")
  int k = GemmBenchmark.DEFAULT_K;

  @Option(names = "--n", description = "Columns of the right operand (default: 576).")
  int n = GemmBenchmark.DEFAULT_N;

  @Option(
      names = "--threads",
      split = ",",
      description = "Intra-op thread counts (default: 1 and the number of cores).")
  List<Integer> threads;

  @Option(
      names = "--reps",
      defaultValue = "50",
      description = "Timed products per thread count (default: ${DEFAULT-VALUE}).")
  int reps;

  @Override
  Benchmark benchmark() {
    GemmBenchmark.Options defaults = GemmBenchmark.Options.defaults();
    GemmBenchmark bench =
        new GemmBenchmark(
            new GemmBenchmark.Options(
                m, k, n, threads == null ? defaults.threads() : threads, reps, defaults.warmup()));
    return bench::run;
  }
}
