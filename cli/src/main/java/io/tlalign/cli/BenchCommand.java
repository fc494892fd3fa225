package io.tlalign.cli;

import io.tlalign.model.bench.StepBenchmark;
import io.tlalign.model.vit.VitPresets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tlalign bench ...}: performance measurements, one subcommand each. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Performance measurements; see the subcommands.",
    subcommands = {
      BenchCommand.Step.class,
      BenchCommand.Gemm.class,
      BenchCommand.Pipeline.class,
      BenchCommand.Soak.class,
      BenchCommand.Scale.class,
      BenchDecodeCommand.class
    })
final class BenchCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Missing subcommand: try 'tlalign bench step' or 'tlalign bench --help'");
  }

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
  static final class Step implements Callable<Integer> {

    @Option(
        names = "--model",
        defaultValue = "vit-tiny-fm",
        description = "ViT preset (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--batch-size", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch = 128; // a field default, not defaultValue: picocli would apply that after --batch

    /** The old name of {@code --batch-size}, kept hidden so that existing scripts still work. */
    @Option(names = "--batch", hidden = true, paramLabel = "N")
    void batchAlias(Integer value) {
      if (value != null) {
        batch = value;
      }
    }

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

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (!VitPresets.names().contains(model.trim().toLowerCase(java.util.Locale.ROOT))) {
        fail(
            "--model \""
                + model
                + "\" is not a preset; pick one of "
                + String.join(", ", VitPresets.names()));
      }
      positive("--batch-size", batch, "--batch-size 128");
      positive("--steps", steps, "--steps 50");
      positive("--threads", threads, "--threads 1");
      if (warmup < 0) {
        fail("--warmup must be >= 0, got " + warmup + "; try --warmup 3");
      }
      if (rssEvery < 0) {
        fail("--rss-every must be >= 0, got " + rssEvery + "; try --rss-every 100, or 0 for none");
      }
      PrintWriter out = spec.commandLine().getOut();
      StepBenchmark bench =
          new StepBenchmark(
              new StepBenchmark.Options(model, batch, steps, warmup, seed, threads, rssEvery));
      try (PrintStream ps =
          new PrintStream(new ForwardingStream(out), true, StandardCharsets.UTF_8)) {
        bench.run(ps);
      }
      out.flush();
      return 0;
    }

    private void positive(String option, int value, String example) {
      if (value <= 0) {
        fail(option + " must be > 0, got " + value + "; try " + example);
      }
    }

    private void fail(String message) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

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
  static final class Gemm implements Callable<Integer> {

    @Option(names = "--m", description = "Rows of the left operand (default: 3152).")
    int m = io.tlalign.model.bench.GemmBenchmark.DEFAULT_M;

    @Option(names = "--k", description = "Inner size (default: 192).")
    int k = io.tlalign.model.bench.GemmBenchmark.DEFAULT_K;

    @Option(names = "--n", description = "Columns of the right operand (default: 576).")
    int n = io.tlalign.model.bench.GemmBenchmark.DEFAULT_N;

    @Option(
        names = "--threads",
        split = ",",
        description = "Intra-op thread counts (default: 1 and the number of cores).")
    java.util.List<Integer> threads;

    @Option(
        names = "--reps",
        defaultValue = "50",
        description = "Timed products per thread count (default: ${DEFAULT-VALUE}).")
    int reps;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      io.tlalign.model.bench.GemmBenchmark.Options defaults =
          io.tlalign.model.bench.GemmBenchmark.Options.defaults();
      io.tlalign.model.bench.GemmBenchmark.Options options;
      try {
        options =
            new io.tlalign.model.bench.GemmBenchmark.Options(
                m, k, n, threads == null ? defaults.threads() : threads, reps, defaults.warmup());
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), e.getMessage() + "; see --help for the defaults");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (PrintStream ps =
          new PrintStream(new ForwardingStream(out), true, StandardCharsets.UTF_8)) {
        new io.tlalign.model.bench.GemmBenchmark(options).run(ps);
      }
      out.flush();
      return 0;
    }
  }

  /** {@code tlalign bench pipeline}: records/s per core through decode, augment, pair, CutMix. */
  @Command(
      name = "pipeline",
      mixinStandardHelpOptions = true,
      description = {
        "Records per second per core through Avro decode, validation, augmentation, pairing and"
            + " CutMix (the operators' own code on one thread), without the training step; then"
            + " the training step's rate on the same batches.",
        "Reads Fashion-MNIST from --data (default /usr/share/datasets/fashion-mnist: apt-get"
            + " install dataset-fashion-mnist). Last line: 'pipeline_over_training=R' (goal: R >="
            + " 3)."
      })
  static final class Pipeline implements Callable<Integer> {

    @Option(
        names = "--records",
        defaultValue = "60000",
        description = "Records to push through (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--batch-size", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batch = 128; // a field default, not defaultValue: picocli would apply that after --batch

    /** The old name of {@code --batch-size}, kept hidden so that existing scripts still work. */
    @Option(names = "--batch", hidden = true, paramLabel = "N")
    void batchAlias(Integer value) {
      if (value != null) {
        batch = value;
      }
    }

    @Option(
        names = "--training-steps",
        defaultValue = "20",
        description = "Timed training steps for the comparison (default: ${DEFAULT-VALUE}).")
    int trainingSteps;

    @Option(
        names = "--data",
        defaultValue = "/usr/share/datasets/fashion-mnist",
        description =
            "Fashion-MNIST folder; fewer images than --records are cycled (default:"
                + " ${DEFAULT-VALUE}).")
    java.nio.file.Path data;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      for (var o :
          java.util.List.of(
              java.util.Map.entry("--records", records),
              java.util.Map.entry("--batch-size", batch),
              java.util.Map.entry("--training-steps", trainingSteps))) {
        if (o.getValue() <= 0) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              o.getKey() + " must be > 0, got " + o.getValue() + "; see --help for defaults");
        }
      }
      if ((long) batch * (trainingSteps + 2) > Math.min(records, 60_000)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--batch-size "
                + batch
                + " x (--training-steps "
                + trainingSteps
                + " + 2 warm-up) needs more than the "
                + records
                + " records; raise --records or lower --training-steps");
      }
      if (!java.nio.file.Files.isDirectory(data)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--data "
                + data
                + " is not a folder; install Fashion-MNIST (apt-get install"
                + " dataset-fashion-mnist) or point --data at its folder");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (PrintStream ps =
          new PrintStream(new ForwardingStream(out), true, StandardCharsets.UTF_8)) {
        new io.tlalign.local.bench.PipelineBenchmark(
                new io.tlalign.local.bench.PipelineBenchmark.Options(
                    records, batch, trainingSteps, 0L, data))
            .run(ps);
      }
      out.flush();
      return 0;
    }
  }

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
  static final class Soak implements Callable<Integer> {

    @Option(
        names = "--steps",
        defaultValue = "10000",
        description = "Training steps to run (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--batch-size", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch = 128; // a field default, not defaultValue: picocli would apply that after --batch

    /** The old name of {@code --batch-size}, kept hidden so that existing scripts still work. */
    @Option(names = "--batch", hidden = true, paramLabel = "N")
    void batchAlias(Integer value) {
      if (value != null) {
        batch = value;
      }
    }

    @Option(
        names = "--report-every",
        defaultValue = "1000",
        description = "Print a memory line every this many steps (default: ${DEFAULT-VALUE}).")
    int reportEvery;

    @Option(
        names = "--data",
        defaultValue = "/usr/share/datasets/fashion-mnist",
        description = "Fashion-MNIST folder (default: ${DEFAULT-VALUE}).")
    java.nio.file.Path data;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (steps <= 0) {
        fail("--steps must be > 0, got " + steps + "; try --steps 10000");
      }
      if (batch <= 0) {
        fail("--batch-size must be > 0, got " + batch + "; try --batch-size 128");
      }
      if (reportEvery <= 0) {
        fail("--report-every must be > 0, got " + reportEvery + "; try --report-every 1000");
      }
      if (reportEvery > steps) {
        fail(
            "--report-every "
                + reportEvery
                + " is larger than --steps "
                + steps
                + ", so nothing would be reported; lower --report-every or raise --steps");
      }
      if ((long) steps * batch > 100_000_000L) {
        fail(
            "--steps "
                + steps
                + " x --batch-size "
                + batch
                + " is more than 100,000,000 images to replay; lower --steps or --batch-size");
      }
      if (!java.nio.file.Files.isDirectory(data)) {
        fail(
            "--data "
                + data
                + " is not a folder; install Fashion-MNIST (apt-get install"
                + " dataset-fashion-mnist) or point --data at its folder");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (PrintStream ps =
          new PrintStream(new ForwardingStream(out), true, StandardCharsets.UTF_8)) {
        new io.tlalign.local.bench.SoakBenchmark(
                new io.tlalign.local.bench.SoakBenchmark.Options(
                    steps, batch, reportEvery, data, 0L))
            .run(ps);
      }
      out.flush();
      return 0;
    }

    private void fail(String message) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  /** {@code tlalign bench scale}: data-parallel replicas against one trainer. */
  @Command(
      name = "scale",
      mixinStandardHelpOptions = true,
      description = {
        "Trains the same Fashion-MNIST images with each replica count of --replicas (the real"
            + " bounded job on a local Flink cluster in this JVM, local Kafka broker), for P > 1"
            + " as replace (moments local), replace+moments (moments averaged) and delta"
            + " (tlalign.sync.apply=delta).",
        "Prints per run 'scale: replicas=P variant=V images=N span_s=T images_per_s=X"
            + " per_replica_images_per_s=Y efficiency=E median_round_latency_ms=L rounds_seen=R"
            + " local_steps=S accuracy=A'. Span: first step start to last step end; efficiency:"
            + " time in steps over span x P; accuracy on the first --test-images test images."
      })
  static final class Scale implements Callable<Integer> {

    @Option(
        names = "--replicas",
        split = ",",
        defaultValue = "1,2",
        description = "Replica counts to compare (default: ${DEFAULT-VALUE}).")
    java.util.List<Integer> replicas;

    @Option(
        names = "--images",
        defaultValue = "12800",
        description = "Training images, the same for every run (default: ${DEFAULT-VALUE}).")
    int images;

    @Option(
        names = "--batch-size",
        description = "Images per step and replica (default: ${DEFAULT-VALUE}).")
    int batch = 64; // a field default, not defaultValue: picocli would apply that after --batch

    /** The old name of {@code --batch-size}, kept hidden so that existing scripts still work. */
    @Option(names = "--batch", hidden = true, paramLabel = "N")
    void batchAlias(Integer value) {
      if (value != null) {
        batch = value;
      }
    }

    @Option(
        names = "--every-steps",
        defaultValue = "10",
        description = "K, local steps per round (default: ${DEFAULT-VALUE}).")
    int everySteps;

    @Option(
        names = "--lag-rounds",
        defaultValue = "1",
        description = "S, rounds before a round's average applies (default: ${DEFAULT-VALUE}).")
    int lagRounds;

    @Option(
        names = "--checkpoint-ms",
        defaultValue = "1000",
        description = "Checkpoint interval in ms (default: ${DEFAULT-VALUE}).")
    long checkpointMs;

    @Option(
        names = "--test-images",
        defaultValue = "10000",
        description = "Test images for the accuracy (default: ${DEFAULT-VALUE}).")
    int testImages;

    @Option(
        names = "--moments",
        defaultValue = "both",
        description = "For P > 1: local, or both (local and averaged) (default: ${DEFAULT-VALUE}).")
    String moments;

    @Option(
        names = "--delta",
        defaultValue = "true",
        arity = "1",
        description =
            "For P > 1: also a run with tlalign.sync.apply=delta (default: ${DEFAULT-VALUE}).")
    boolean delta;

    @Option(
        names = "--data",
        defaultValue = "/usr/share/datasets/fashion-mnist",
        description = "Fashion-MNIST folder (default: ${DEFAULT-VALUE}).")
    java.nio.file.Path data;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      for (int p : replicas) {
        if (p <= 0 || p > 64) {
          fail("--replicas " + p + " is outside 1..64; e.g. --replicas 1,2");
        }
      }
      if (images <= 0 || batch <= 0 || everySteps <= 0 || lagRounds < 0 || testImages <= 0) {
        fail(
            "--images, --batch-size, --every-steps and --test-images must be > 0 and --lag-rounds >= 0;"
                + " try the defaults");
      }
      if (checkpointMs < 10) {
        fail("--checkpoint-ms must be at least 10, got " + checkpointMs + "; e.g. 1000");
      }
      if (!moments.equals("local") && !moments.equals("both")) {
        fail("--moments is \"" + moments + "\"; use local or both");
      }
      if (!java.nio.file.Files.isDirectory(data)) {
        fail(
            "--data "
                + data
                + " is not a folder; install Fashion-MNIST (apt-get install"
                + " dataset-fashion-mnist) or point --data at its folder");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (PrintStream ps =
          new PrintStream(new ForwardingStream(out), true, StandardCharsets.UTF_8)) {
        new io.tlalign.local.bench.ScaleBenchmark(
                new io.tlalign.local.bench.ScaleBenchmark.Options(
                    replicas,
                    images,
                    batch,
                    everySteps,
                    lagRounds,
                    java.time.Duration.ofMillis(checkpointMs),
                    testImages,
                    moments.equals("both"),
                    delta,
                    data,
                    0L))
            .run(ps);
      }
      out.flush();
      return 0;
    }

    private void fail(String message) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  /** Bytes written as UTF-8 text to a writer, passed on at every flush. */
  private static final class ForwardingStream extends ByteArrayOutputStream {
    private final PrintWriter target;

    ForwardingStream(PrintWriter target) {
      this.target = target;
    }

    @Override
    public synchronized void flush() {
      target.write(toString(StandardCharsets.UTF_8));
      target.flush();
      reset();
    }

    @Override
    public void close() {
      flush();
    }
  }
}
