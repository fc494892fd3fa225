package io.tlalign.model.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Single-precision matrix product throughput of the engine ({@code [M, K] x [K, N]} through DJL's
 * {@code matMul}, which libtorch hands to its BLAS), at one intra-op thread and at every core.
 *
 * <p>The default shape is deit-tiny's qkv projection at batch 16 (16 x 197 tokens, 192 to 576
 * features). Prints the BLAS path line, then per thread count {@code gemm: threads=T m=M k=K n=N
 * median_ms=X gflops=G spread_ms=P10..P90}; the last line is {@code gemm_peak_1t_gflops=G}.
 */
public final class GemmBenchmark {

  /** deit-tiny's qkv product at batch 16: 16 x 197 rows. */
  public static final int DEFAULT_M = 3152;

  public static final int DEFAULT_K = 192;
  public static final int DEFAULT_N = 576;

  /**
   * What to run.
   *
   * @param m rows of the left operand
   * @param k inner size
   * @param n columns of the right operand
   * @param threads intra-op thread counts to measure, each > 0
   * @param reps timed products per thread count
   * @param warmup untimed products before them
   */
  public record Options(int m, int k, int n, List<Integer> threads, int reps, int warmup) {
    /** Validates with messages that name the {@code bench gemm} option, the value and the fix. */
    public Options {
      BenchArguments.positive("--m", m, "--m " + DEFAULT_M);
      BenchArguments.positive("--k", k, "--k " + DEFAULT_K);
      BenchArguments.positive("--n", n, "--n " + DEFAULT_N);
      if (threads.isEmpty() || threads.stream().anyMatch(t -> t <= 0)) {
        throw new IllegalArgumentException(
            "thread counts must be > 0, got "
                + threads
                + "; try --threads 1,2, or leave --threads out for 1 and every core");
      }
      BenchArguments.positive("--reps", reps, "--reps 50");
      if (warmup < 0) {
        throw new IllegalArgumentException("warm-up products must be >= 0, got " + warmup);
      }
      threads = List.copyOf(threads);
    }

    /** The default shape at one thread and at every core the JVM sees. */
    public static Options defaults() {
      int cores = Runtime.getRuntime().availableProcessors();
      List<Integer> t = cores > 1 ? List.of(1, cores) : List.of(1);
      return new Options(DEFAULT_M, DEFAULT_K, DEFAULT_N, t, 50, 10);
    }
  }

  /** One thread count's figures. */
  public record Figure(int threads, double medianMillis, double p10Millis, double p90Millis) {
    public double gflops(Options o) {
      return 2.0 * o.m() * o.k() * o.n() / (medianMillis * 1e6);
    }
  }

  private final Options options;

  public GemmBenchmark(Options options) {
    this.options = options;
  }

  /** Runs every thread count, prints the lines, and returns the figures in option order. */
  public List<Figure> run(PrintStream out) {
    Engine engine = EngineSetup.start(EngineOptions.defaults());
    out.println("blas: " + EngineSetup.blasPath().line());
    out.printf(
        Locale.ROOT,
        "config: engine=%s cores=%d m=%d k=%d n=%d reps=%d%n",
        engine.getVersion(),
        Runtime.getRuntime().availableProcessors(),
        options.m(),
        options.k(),
        options.n(),
        options.reps());
    List<Figure> figures = new ArrayList<>();
    for (int t : options.threads()) {
      Figure f = measure(engine, options, t);
      figures.add(f);
      out.printf(
          Locale.ROOT,
          "gemm: threads=%d m=%d k=%d n=%d median_ms=%.3f gflops=%.1f spread_ms=%.3f..%.3f%n",
          t,
          options.m(),
          options.k(),
          options.n(),
          f.medianMillis(),
          f.gflops(options),
          f.p10Millis(),
          f.p90Millis());
    }
    figures.stream()
        .filter(f -> f.threads() == 1)
        .findFirst()
        .ifPresent(f -> out.printf(Locale.ROOT, "gemm_peak_1t_gflops=%.1f%n", f.gflops(options)));
    out.flush();
    return figures;
  }

  /**
   * Times {@code reps} products at {@code threads} intra-op threads, then restores the engine's
   * thread count.
   */
  public static Figure measure(Engine engine, Options o, int threads) {
    int before = JniUtils.getNumThreads();
    JniUtils.setNumThreads(threads);
    try (NDManager manager = engine.newBaseManager(Device.cpu())) {
      NDArray a = manager.randomUniform(-1, 1, new Shape(o.m(), o.k()));
      NDArray b = manager.randomUniform(-1, 1, new Shape(o.k(), o.n()));
      long[] nanos = new long[o.reps()];
      for (int i = 0; i < o.warmup() + o.reps(); i++) {
        try (NDManager scope = manager.newSubManager()) {
          long t0 = System.nanoTime();
          NDArray c = a.matMul(b); // [M, N]
          long t1 = System.nanoTime();
          c.attach(scope);
          if (i >= o.warmup()) {
            nanos[i - o.warmup()] = t1 - t0;
          }
        }
      }
      Arrays.sort(nanos);
      return new Figure(
          threads,
          StepBenchmark.median(nanos) / 1e6,
          nanos[(int) (0.1 * (nanos.length - 1))] / 1e6,
          nanos[(int) Math.ceil(0.9 * (nanos.length - 1))] / 1e6);
    } finally {
      JniUtils.setNumThreads(before);
    }
  }
}
