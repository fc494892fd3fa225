package io.tlalign.pipeline.job;

import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.model.vit.VitPresets;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Checks the job's options together before anything starts, with messages that name the key, the
 * value and the fix.
 */
public final class JobValidation {

  private JobValidation() {}

  public static void validate(ReadableConfig c) {
    String bootstrap = c.get(TlAlignOptions.BOOTSTRAP_SERVERS);
    if (bootstrap == null || bootstrap.isBlank()) {
      throw new IllegalArgumentException(
          key(TlAlignOptions.BOOTSTRAP_SERVERS)
              + " is not set; pass --bootstrap-servers host:port");
    }
    try {
      VitPresets.byName(c.get(TlAlignOptions.MODEL));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key(TlAlignOptions.MODEL) + ": " + e.getMessage(), e);
    }
    TrainerSettings.targetMode(c.get(TlAlignOptions.MIXING));
    positive(c, TlAlignOptions.BATCH_SIZE);
    positive(c, TlAlignOptions.NUM_CLASSES);
    positive(c, TlAlignOptions.METRICS_EVERY);
    positive(c, TlAlignOptions.DECODE_PARALLELISM);
    positive(c, TlAlignOptions.MAX_IMAGE_PIXELS);
    positive(c, TlAlignOptions.EVAL_MAX_IMAGES);
    if (c.get(TlAlignOptions.INTRA_OP_THREADS) < 0) {
      throw new IllegalArgumentException(
          key(TlAlignOptions.INTRA_OP_THREADS)
              + " must be >= 0 (0 = all cores), got "
              + c.get(TlAlignOptions.INTRA_OP_THREADS));
    }
    new CutMixBoxSampler(c.get(TlAlignOptions.CUTMIX_ALPHA));
    double s = c.get(TlAlignOptions.LABEL_SMOOTHING);
    if (!(s >= 0 && s < 1)) {
      throw new IllegalArgumentException(
          key(TlAlignOptions.LABEL_SMOOTHING)
              + " must be in [0, 1), got "
              + s
              + "; 0.1 is the usual choice");
    }
    if (c.get(TlAlignOptions.CHECKPOINT_INTERVAL).toMillis() < 10) {
      throw new IllegalArgumentException(
          key(TlAlignOptions.CHECKPOINT_INTERVAL)
              + " must be at least 10 ms, got "
              + c.get(TlAlignOptions.CHECKPOINT_INTERVAL)
              + "; e.g. 30 s");
    }
    TrainerSettings.from(c).trainingConfig();
  }

  private static void positive(ReadableConfig c, ConfigOption<Integer> option) {
    if (c.get(option) <= 0) {
      throw new IllegalArgumentException(key(option) + " must be > 0, got " + c.get(option));
    }
  }

  private static String key(ConfigOption<?> o) {
    return o.key();
  }
}
