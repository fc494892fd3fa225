package io.tlalign.local.bench;

import ai.djl.Device;
import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.IdxDataset;
import io.tlalign.datasets.Split;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.operators.BatchMixer;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.sync.Consensus;
import io.tlalign.job.sync.ReplicaAverage;
import io.tlalign.job.sync.SyncRule;
import io.tlalign.job.sync.SyncSettings;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.bench.BenchArguments;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.eval.Evaluator;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.MixedBatch;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitPresets;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The sync rules' arithmetic without the transport: P replicas as {@link TrainingSession}s in this
 * JVM, each training its share of the same Fashion-MNIST batches (batch i to replica i mod P), with
 * rounds published at local step qK and applied at step (q + S)K by the job's own {@link Consensus}
 * (and, for gradients, the job's own {@link ReplicaAverage#gradients}), then the final average;
 * against one trainer of batch P x b on the same samples (the two halves of each of its batches are
 * the replicas' batches, mixed the same way). Where and what a round applies depends only on step
 * counts in the job too, so these are the parameters the real job computes for the same batches;
 * only the speed is not measured.
 */
public final class SyncRuleExperiment {

  /**
   * One variant: {@code single} (P = 1, batch P x b), {@code single-b} (P = 1, batch b, twice the
   * steps), or a rule with its K, S and outer step.
   */
  public record Variant(
      String name, SyncRule rule, int everySteps, int lagRounds, double outerLr, double outerMu) {

    /**
     * Parses {@code single}, {@code single-b}, {@code gradients}, {@code replace:K:S}, {@code
     * delta:K:S}, {@code updates:K:S:lr:mu}.
     */
    public static Variant parse(String s) {
      try {
        return parseParts(s, s.split(":"));
      } catch (IndexOutOfBoundsException | NumberFormatException e) {
        throw new IllegalArgumentException(
            "variant \""
                + s
                + "\" lacks a number or has a bad one; use single, single-b, gradients,"
                + " replace:K:S, delta:K:S or updates:K:S:lr:mu",
            e);
      }
    }

    private static Variant parseParts(String s, String[] p) {
      return switch (p[0]) {
        case "single", "single-b" -> new Variant(p[0], null, 0, 0, 1, 0);
        case "gradients" -> new Variant(s, SyncRule.GRADIENTS, 1, 0, 1, 0);
        case "replace", "delta" ->
            new Variant(
                s, SyncRule.parse(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]), 1, 0);
        case "updates" ->
            new Variant(
                s,
                SyncRule.UPDATES,
                Integer.parseInt(p[1]),
                Integer.parseInt(p[2]),
                Double.parseDouble(p[3]),
                Double.parseDouble(p[4]));
        default ->
            throw new IllegalArgumentException(
                "variant \""
                    + s
                    + "\"; use single, single-b, gradients, replace:K:S, delta:K:S or"
                    + " updates:K:S:lr:mu");
      };
    }
  }

  /** What to run. */
  public record Options(
      int replicas,
      int batch,
      int steps,
      double learningRate,
      List<Variant> variants,
      List<Long> seeds,
      int testImages,
      Path dataFolder) {

    /** Validates with messages that name the {@code bench sync-rules} option and the fix. */
    public Options {
      BenchArguments.positive("--replicas", replicas, "--replicas 2");
      BenchArguments.positive("--batch-size", batch, "--batch-size 64");
      BenchArguments.positive("--steps", steps, "--steps 200");
      BenchArguments.positive("--test-images", testImages, "--test-images 10000");
      if (!(learningRate > 0)) {
        throw new IllegalArgumentException("--lr must be > 0, got " + learningRate + "; e.g. 2e-3");
      }
      FashionMnistFolder.check(dataFolder);
    }
  }

  private final Options options;

  public SyncRuleExperiment(Options options) {
    this.options = options;
  }

  public void run(PrintStream out) throws Exception {
    EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    IdxDataset train = FashionMnist.open(options.dataFolder(), Split.TRAIN);
    IdxDataset test = FashionMnist.open(options.dataFolder(), Split.TEST);
    int p = options.replicas();
    out.printf(
        Locale.ROOT,
        "sync-rules: P=%d b=%d steps=%d (P x b = %d images a step, %d in all) lr=%g"
            + " test_images=%d%n",
        p,
        options.batch(),
        options.steps(),
        p * options.batch(),
        (long) p * options.batch() * options.steps(),
        options.learningRate(),
        Math.min(options.testImages(), test.size()));
    for (long seed : options.seeds()) {
      List<TrainingBatch> batches = batches(train, seed);
      for (Variant v : options.variants()) {
        long t0 = System.nanoTime();
        List<NamedTensor> params = train(v, batches, seed);
        EvalResult eval = evaluate(params, test, seed);
        out.printf(
            Locale.ROOT,
            "sync-rules: seed=%d variant=%s accuracy=%.4f test_loss=%.4f wall_s=%.1f%n",
            seed,
            v.name(),
            eval.accuracy(),
            eval.meanLoss(),
            (System.nanoTime() - t0) / 1e9);
        out.flush();
      }
    }
  }

  private TrainerSettings settings(long seed, long totalSteps) {
    return new TrainerSettings(
        VitPresets.VIT_TINY_FM.name(),
        10,
        seed,
        options.learningRate(),
        Math.min(Math.max(1, totalSteps / 10), totalSteps - 1),
        totalSteps,
        TargetMode.TLALIGN,
        0.1,
        1,
        false,
        1,
        null,
        VitPresets.dataConfig(VitPresets.VIT_TINY_FM));
  }

  /** P x steps mixed batches of b, from a seeded shuffle of the training split. */
  private List<TrainingBatch> batches(IdxDataset train, long seed) throws Exception {
    int b = options.batch();
    int count = options.replicas() * options.steps();
    int[] order = new int[train.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    BatchMixer mixer = TlAlignJob.batchMixer(settings(seed, 1), 1.0);
    List<TrainingBatch> out = new ArrayList<>(count);
    int at = 0;
    for (int k = 0; k < count; k++) {
      List<TrainingImage> images = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        int index = order[at++ % order.length];
        DatasetImage img = train.image(index);
        images.add(
            TrainingImage.of(
                (long) k * b + i,
                "fm-" + index,
                img.label(),
                img.channels(),
                img.height(),
                img.width(),
                normalised(img.pixels())));
      }
      out.add(mixer.mix(k, images));
    }
    return out;
  }

  private static float[] normalised(byte[] px) {
    float[] out = new float[px.length];
    for (int k = 0; k < px.length; k++) {
      out[k] = ((px[k] & 0xff) / 255f - 0.5f) / 0.5f; // as ImageValidator
    }
    return out;
  }

  private List<NamedTensor> train(Variant v, List<TrainingBatch> batches, long seed) {
    int p = options.replicas();
    int steps = options.steps();
    if (v.rule() == null) {
      boolean small = v.name().equals("single-b");
      long total = small ? (long) steps * p : steps;
      try (TrainingSession s = settings(seed, total).openSession(-1, null)) {
        for (int k = 0; k < steps; k++) {
          if (small) {
            for (int r = 0; r < p; r++) {
              s.step(batches.get(k * p + r).toMixedBatch());
            }
          } else {
            s.step(concat(batches.subList(k * p, k * p + p)));
          }
        }
        return s.captureState().parameters();
      }
    }
    SyncSettings sync =
        new SyncSettings(
            "experiment",
            p,
            v.everySteps(),
            v.lagRounds(),
            1 << 20,
            false,
            v.rule(),
            v.outerLr(),
            v.outerMu(),
            -1);
    List<TrainingSession> replicas = new ArrayList<>();
    try {
      List<Consensus> consensus = new ArrayList<>();
      for (int r = 0; r < p; r++) {
        TrainingSession s = settings(seed, steps).openSession(-1, null);
        replicas.add(s);
        consensus.add(Consensus.start(sync, s.captureState()));
      }
      List<List<TrainingState>> rounds = new ArrayList<>();
      rounds.add(null); // rounds from 1
      for (int k = 0; k < steps; k++) {
        if (v.rule() == SyncRule.GRADIENTS) {
          List<TrainingState> round = new ArrayList<>();
          List<io.tlalign.model.train.LocalGradients> local = new ArrayList<>();
          for (int r = 0; r < p; r++) {
            var g = replicas.get(r).gradients(batches.get(k * p + r).toMixedBatch());
            local.add(g);
            round.add(io.tlalign.job.sync.Contribution.gradientsOf("x", k + 1, g));
          }
          List<NamedTensor> avg = ReplicaAverage.gradients(round);
          for (int r = 0; r < p; r++) {
            if (avg == null) {
              replicas.get(r).refuseGradients(local.get(r), "non-finite");
            } else {
              replicas.get(r).applyGradients(local.get(r), avg);
            }
          }
          continue;
        }
        for (int r = 0; r < p; r++) {
          replicas.get(r).step(batches.get(k * p + r).toMixedBatch());
        }
        int local = k + 1;
        if (local % v.everySteps() == 0) {
          long q = local / v.everySteps();
          List<TrainingState> round = new ArrayList<>();
          for (int r = 0; r < p; r++) {
            round.add(consensus.get(r).contribution(replicas.get(r).captureState(), false, false));
          }
          rounds.add(round);
          long due = q - v.lagRounds();
          if (due >= 1) {
            for (int r = 0; r < p; r++) {
              apply(replicas.get(r), consensus.get(r), due, false, rounds.get((int) due), r);
            }
          }
        }
      }
      List<TrainingState> last = new ArrayList<>();
      for (int r = 0; r < p; r++) {
        last.add(consensus.get(r).contribution(replicas.get(r).captureState(), true, false));
      }
      for (int r = 0; r < p; r++) {
        apply(replicas.get(r), consensus.get(r), Long.MAX_VALUE, true, last, r);
      }
      return replicas.get(0).captureState().parameters();
    } finally {
      for (TrainingSession s : replicas) {
        s.close();
      }
    }
  }

  private static void apply(
      TrainingSession s,
      Consensus c,
      long round,
      boolean last,
      List<TrainingState> contributions,
      int replica) {
    TrainingState current = s.captureState();
    List<NamedTensor> params = c.apply(round, last, current, contributions, replica);
    s.restore(current.withParameters(params, current.optimizer()));
  }

  /** One batch of all samples of {@code parts}, in order (see {@link MixedBatch#concat}). */
  static MixedBatch concat(List<TrainingBatch> parts) {
    return MixedBatch.concat(parts.stream().map(TrainingBatch::toMixedBatch).toList());
  }

  private EvalResult evaluate(List<NamedTensor> params, IdxDataset test, long seed)
      throws Exception {
    int n = Math.min(options.testImages(), test.size());
    DatasetImage first = test.image(0);
    int per = first.height() * first.width() * first.channels();
    float[] pixels = new float[n * per];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      DatasetImage img = test.image(i);
      labels[i] = img.label();
      System.arraycopy(normalised(img.pixels()), 0, pixels, i * per, per);
    }
    TrainingState state =
        TrainingState.builder()
            .setPreset(VitPresets.VIT_TINY_FM.name())
            .setStep(0)
            .setParameters(params)
            .build();
    try (TrainingSession session =
        TrainingSession.fromState(settings(seed, 1).trainingConfig(), Device.cpu(), state)) {
      return Evaluator.evaluate(session.model(), pixels, labels, 256);
    }
  }
}
