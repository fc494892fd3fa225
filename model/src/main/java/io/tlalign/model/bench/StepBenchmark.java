package io.tlalign.model.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.alignment.CutMixSample;
import io.tlalign.alignment.Pairing;
import io.tlalign.alignment.TokenLayout;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.train.MixedBatch;
import io.tlalign.model.train.MixedBatches;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitFlops;
import io.tlalign.model.vit.VitPresets;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Times one training step of the three target modes (plain, CutMix, TL-Align) on the same synthetic
 * batches, interleaving the modes step by step so that machine noise hits all three alike.
 *
 * <p>Prints the BLAS path, a model line, the single-thread SGEMM peak of the engine (measured
 * first, see {@link GemmBenchmark}) and the model's training FLOPs per image ({@link VitFlops}),
 * one line per mode ({@code mode=... images_per_s=... median_ms=... gflops=...
 * share_of_1t_peak=...}) and last {@code tlalign_over_cutmix=R}, the ratio of the median TL-Align
 * step time to the median CutMix step time. {@code share_of_1t_peak} is the achieved rate over the
 * one-thread SGEMM rate; with T threads the best reachable is about T.
 */
public final class StepBenchmark {

  /** The modes in the order they are interleaved and printed. */
  public static final List<TargetMode> MODES =
      List.of(TargetMode.NONE, TargetMode.CUTMIX, TargetMode.TLALIGN);

  /**
   * What to run.
   *
   * @param preset ViT preset name (see {@link VitPresets#names()})
   * @param batchSize images per step, > 0
   * @param steps timed steps per mode, > 0
   * @param warmupSteps untimed steps per mode before the timed ones, >= 0
   * @param seed seed of the model initialisation and of the synthetic batches
   * @param threads PyTorch intra-op threads, > 0
   * @param rssEvery print VmRSS every this many interleaved rounds; 0 prints it at start and end
   *     only
   */
  public record Options(
      String preset,
      int batchSize,
      int steps,
      int warmupSteps,
      long seed,
      int threads,
      int rssEvery) {

    /** Validates with messages that name the {@code bench step} option, the value and the fix. */
    public Options {
      Objects.requireNonNull(preset, "preset");
      BenchArguments.preset(preset);
      BenchArguments.positive("--batch-size", batchSize, "--batch-size 128");
      BenchArguments.positive("--steps", steps, "--steps 50");
      BenchArguments.positive("--threads", threads, "--threads 1");
      BenchArguments.notNegative("--warmup", warmupSteps, "--warmup 3");
      BenchArguments.notNegative("--rss-every", rssEvery, "--rss-every 100, or 0 for none");
    }
  }

  /** Median step time and throughput of one mode, and the achieved training GFLOP/s. */
  public record ModeResult(
      TargetMode mode, double medianMillis, double imagesPerSecond, double gflops) {}

  /**
   * All modes' results, the TL-Align over CutMix ratio of median step times, and the one-thread
   * SGEMM rate they are compared with.
   */
  public record Result(List<ModeResult> modes, double tlalignOverCutmix, double sgemmPeak1t) {}

  private final Options options;

  public StepBenchmark(Options options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Runs the benchmark and prints its lines to {@code out}. */
  public Result run(PrintStream out) {
    VitConfig vit = VitPresets.byName(options.preset());
    Engine engine = EngineSetup.start(EngineOptions.defaults().withThreads(options.threads(), 1));
    Device device = Device.cpu();
    out.println("blas: " + EngineSetup.blasPath().line());
    GemmBenchmark.Options gemm =
        new GemmBenchmark.Options(
            GemmBenchmark.DEFAULT_M,
            GemmBenchmark.DEFAULT_K,
            GemmBenchmark.DEFAULT_N,
            List.of(1),
            30,
            5);
    double peak = GemmBenchmark.measure(engine, gemm, 1).gflops(gemm);
    long flopsPerImage = VitFlops.trainingFlopsPerImage(vit);
    printRss(out, "start");
    Map<TargetMode, TrainingSession> sessions = new EnumMap<>(TargetMode.class);
    try {
      for (TargetMode mode : MODES) {
        TrainingConfig config = TrainingConfig.defaults(vit, options.seed()).withTargetMode(mode);
        sessions.put(mode, TrainingSession.create(config, device));
      }
      out.printf(
          Locale.ROOT,
          "model: name=%s image=%dx%d channels=%d patch=%d dim=%d depth=%d heads=%d"
              + " mlp_ratio=%s classes=%d params=%d%n",
          vit.name(),
          vit.imageHeight(),
          vit.imageWidth(),
          vit.channels(),
          vit.patchSize(),
          vit.embedDim(),
          vit.depth(),
          vit.numHeads(),
          formatRatio(vit.mlpRatio()),
          vit.numClasses(),
          sessions.get(TargetMode.TLALIGN).model().parameterCount());
      out.printf(
          Locale.ROOT,
          "config: engine=%s device=%s threads=%d batch=%d steps=%d warmup=%d seed=%d%n",
          engine.getVersion(),
          device,
          options.threads(),
          options.batchSize(),
          options.steps(),
          options.warmupSteps(),
          options.seed());
      out.printf(
          Locale.ROOT,
          "flops: training_gflop_per_image=%.4f (3 x forward %.4f) sgemm_1t_gflops=%.1f"
              + " (m=%d k=%d n=%d)%n",
          flopsPerImage / 1e9,
          VitFlops.forwardFlops(vit) / 1e9,
          peak,
          gemm.m(),
          gemm.k(),
          gemm.n());
      SyntheticBatches batches = new SyntheticBatches(vit, options.batchSize(), options.seed());
      for (int i = 0; i < options.warmupSteps(); i++) {
        round(sessions, batches.next(), null, 0);
      }
      Map<TargetMode, long[]> nanos = new EnumMap<>(TargetMode.class);
      for (TargetMode mode : MODES) {
        nanos.put(mode, new long[options.steps()]);
      }
      for (int i = 0; i < options.steps(); i++) {
        round(sessions, batches.next(), nanos, i);
        if (options.rssEvery() > 0 && (i + 1) % options.rssEvery() == 0) {
          printRss(out, "round " + (i + 1));
        }
      }
      List<ModeResult> results = new ArrayList<>();
      for (TargetMode mode : MODES) {
        long[] sorted = nanos.get(mode).clone();
        Arrays.sort(sorted);
        double ms = median(sorted) / 1e6;
        double ips = options.batchSize() / (ms / 1e3);
        double gflops = ips * flopsPerImage / 1e9;
        results.add(new ModeResult(mode, ms, ips, gflops));
        out.printf(
            Locale.ROOT,
            "mode=%s images_per_s=%.1f median_ms=%.3f spread_ms=%.3f..%.3f gflops=%.1f"
                + " share_of_1t_peak=%.2f%n",
            mode.name().toLowerCase(Locale.ROOT),
            ips,
            ms,
            sorted[(int) (0.1 * (sorted.length - 1))] / 1e6,
            sorted[(int) Math.ceil(0.9 * (sorted.length - 1))] / 1e6,
            gflops,
            gflops / peak);
      }
      double ratio = results.get(2).medianMillis() / results.get(1).medianMillis();
      printRss(out, "end");
      out.printf(Locale.ROOT, "tlalign_over_cutmix=%.3f%n", ratio);
      out.flush();
      return new Result(List.copyOf(results), ratio, peak);
    } finally {
      for (TrainingSession s : sessions.values()) {
        s.close();
      }
    }
  }

  /** One step per mode, in {@link #MODES} order; records the step times where nanos is given. */
  private static void round(
      Map<TargetMode, TrainingSession> sessions,
      SyntheticBatches.Pair pair,
      Map<TargetMode, long[]> nanos,
      int index) {
    for (TargetMode mode : MODES) {
      MixedBatch batch = mode == TargetMode.NONE ? pair.unmixed() : pair.mixed();
      TrainingSession session = sessions.get(mode);
      long t0 = System.nanoTime();
      session.step(batch);
      long t1 = System.nanoTime();
      if (nanos != null) {
        nanos.get(mode)[index] = t1 - t0;
      }
    }
  }

  static double median(long[] values) {
    long[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  }

  private static String formatRatio(double r) {
    return r == Math.rint(r) ? String.format(Locale.ROOT, "%.1f", r) : Double.toString(r);
  }

  private static void printRss(PrintStream out, String when) {
    String rss = vmRss();
    if (rss != null) {
      out.printf(Locale.ROOT, "rss: at=%s VmRSS=%s%n", when.replace(' ', '_'), rss);
    }
  }

  /** The VmRSS line of /proc/self/status without its key ("123456 kB"), or null off Linux. */
  static String vmRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return line.substring("VmRSS:".length()).trim().replaceAll("\\s+", "");
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return null;
  }

  /** Seeded synthetic batches: random pixels, random labels, a CutMix box, reversed pairing. */
  static final class SyntheticBatches {

    record Pair(MixedBatch unmixed, MixedBatch mixed) {}

    private final VitConfig vit;
    private final int batchSize;
    private final TokenLayout layout;
    private final UniformRandomProvider rng;
    private final CutMixBoxSampler sampler = new CutMixBoxSampler(1.0);
    private final int[] partners;
    private long index;

    SyntheticBatches(VitConfig vit, int batchSize, long seed) {
      this.vit = vit;
      this.batchSize = batchSize;
      this.layout = vit.tokenLayout();
      this.rng = RandomSource.SPLIT_MIX_64.create(seed);
      this.partners = Pairing.reversed(batchSize);
    }

    Pair next() {
      float[] pixels = new float[batchSize * vit.pixelsPerImage()];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = rng.nextFloat();
      }
      int[] labels = new int[batchSize];
      for (int i = 0; i < batchSize; i++) {
        labels[i] = rng.nextInt(vit.numClasses());
      }
      CutMixSample sample = sampler.samplePixelBox(vit.imageHeight(), vit.imageWidth(), rng);
      long i = index++;
      return new Pair(
          MixedBatches.unmixed(i, layout, vit.channels(), pixels, labels),
          MixedBatches.cutMix(i, layout, vit.channels(), pixels, labels, sample, partners));
    }
  }
}
