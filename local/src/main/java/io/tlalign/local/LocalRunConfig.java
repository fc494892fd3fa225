package io.tlalign.local;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainingRecipe;
import io.tlalign.model.train.TargetMode;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * What every bounded local run of a demo or experiment shares: the knobs a user turns that stay the
 * same across its runs. {@link #toConfiguration} adds what differs per run (mixing, steps, seed)
 * and where its topics, model files and checkpoints go.
 *
 * @param model the ViT preset
 * @param batch images per step
 * @param lr peak learning rate
 * @param warmup warm-up steps (capped at a fifth of a run)
 * @param augment random shift and flip of training images before mixing
 * @param threads PyTorch intra-op threads
 * @param initFrom weights to start from instead of a seeded initialisation, or null
 */
public record LocalRunConfig(
    String model, int batch, double lr, long warmup, boolean augment, int threads, Path initFrom) {

  /** Metrics at most every this many steps. */
  static final int METRICS_EVERY = 10;

  /**
   * The job configuration of one run: {@code mixing} for {@code steps} optimizer steps (the cosine
   * schedule's length) from {@code seed}. {@code tag} names this run's own topics ({@code
   * tlalign.metrics.<tag>}, {@code tlalign.models.<tag>}), consumer group, model files and
   * checkpoints, so that runs on one broker never mix; empty means the default topic names.
   * Everything written goes under {@code work}.
   */
  public Configuration toConfiguration(
      TargetMode mixing, long steps, long seed, String bootstrap, Path work, String tag) {
    String suffix = tag.isEmpty() ? "" : "." + tag;
    String folder = tag.isEmpty() ? "run" : tag;
    Configuration conf = new Configuration();
    long cappedWarmup = Math.min(warmup, Math.max(1L, steps / 5L));
    new TrainingRecipe(model, mixing, batch, seed, lr, cappedWarmup, steps, initFrom).applyTo(conf);
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.TRAIN_TOPIC, "images.train");
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval");
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter");
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics" + suffix);
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models" + suffix);
    conf.set(TlAlignOptions.GROUP_ID, "tlalign-local" + suffix);
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models").resolve(folder).toUri().toString());
    // In the run's temp folder, so that no checkpoint outlives the run.
    conf.set(
        TlAlignOptions.CHECKPOINT_DIR,
        work.resolve("checkpoints").resolve(folder).toUri().toString());
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.EVAL_ENABLED, false);
    conf.set(TlAlignOptions.AUGMENT, augment);
    conf.set(TlAlignOptions.METRICS_EVERY, metricsEvery(steps));
    conf.set(TlAlignOptions.INTRA_OP_THREADS, threads);
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 1);
    // A model is published per completed checkpoint: every 15 s gives the accuracy curve points.
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(15));
    return conf;
  }

  /** The largest divisor of {@code steps} up to {@link #METRICS_EVERY}: the last step reports. */
  static int metricsEvery(long steps) {
    for (int d = METRICS_EVERY; d > 1; d--) {
      if (steps % d == 0) {
        return d;
      }
    }
    return 1;
  }
}
