package io.tlalign.local;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.train.TargetMode;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * The job configuration of one bounded local run (demo or experiment): the knobs a user turns, and
 * where its topics, model files and checkpoints go.
 *
 * @param mixing none, cutmix or tlalign
 * @param batch images per step
 * @param lr peak learning rate
 * @param warmup warm-up steps (capped at a fifth of the run)
 * @param steps optimizer steps of the run (the cosine schedule's length)
 * @param seed job seed (model initialisation, augmentation, CutMix boxes)
 * @param augment random shift and flip of training images before mixing
 * @param threads PyTorch intra-op threads
 * @param model the ViT preset
 * @param initFrom weights to start from instead of a seeded initialisation, or null
 */
public record LocalRunConfig(
    TargetMode mixing,
    int batch,
    double lr,
    long warmup,
    long steps,
    long seed,
    boolean augment,
    int threads,
    String model,
    Path initFrom) {

  /** Metrics at most every this many steps. */
  static final int METRICS_EVERY = 10;

  /**
   * The job configuration. {@code tag} names this run's own topics ({@code tlalign.metrics.<tag>},
   * {@code tlalign.models.<tag>}), consumer group, model files and checkpoints, so that runs on one
   * broker never mix; empty means the default topic names. Everything written goes under {@code
   * work}.
   */
  public Configuration toConfiguration(String bootstrap, Path work, String tag) {
    String suffix = tag.isEmpty() ? "" : "." + tag;
    String folder = tag.isEmpty() ? "run" : tag;
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrap);
    conf.set(TlAlignOptions.TRAIN_TOPIC, "images.train");
    conf.set(TlAlignOptions.EVAL_TOPIC, "images.eval");
    conf.set(TlAlignOptions.DEAD_LETTER_TOPIC, "images.deadletter");
    conf.set(TlAlignOptions.METRICS_TOPIC, "tlalign.metrics" + suffix);
    conf.set(TlAlignOptions.MODELS_TOPIC, "tlalign.models" + suffix);
    conf.set(TlAlignOptions.GROUP_ID, "tlalign-local" + suffix);
    conf.set(TlAlignOptions.MODEL, model);
    conf.set(TlAlignOptions.MODEL_STORE, work.resolve("models").resolve(folder).toUri().toString());
    // In the run's temp folder, so that no checkpoint outlives the run.
    conf.set(
        TlAlignOptions.CHECKPOINT_DIR,
        work.resolve("checkpoints").resolve(folder).toUri().toString());
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.EVAL_ENABLED, false);
    conf.set(TlAlignOptions.MIXING, mixing);
    conf.set(TlAlignOptions.AUGMENT, augment);
    conf.set(TlAlignOptions.BATCH_SIZE, batch);
    conf.set(TlAlignOptions.SEED, seed);
    conf.set(TlAlignOptions.LEARNING_RATE, lr);
    conf.set(TlAlignOptions.WARMUP_STEPS, Math.min(warmup, Math.max(1L, steps / 5L)));
    conf.set(TlAlignOptions.TOTAL_STEPS, steps);
    conf.set(TlAlignOptions.METRICS_EVERY, metricsEvery(steps));
    conf.set(TlAlignOptions.INTRA_OP_THREADS, threads);
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 1);
    // A model is published per completed checkpoint: every 15 s gives the accuracy curve points.
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(15));
    if (initFrom != null) {
      conf.set(TlAlignOptions.INIT_FROM, initFrom.toAbsolutePath().toString());
    }
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
