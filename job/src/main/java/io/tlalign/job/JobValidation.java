package io.tlalign.job;

import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.VitPresets;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Checks the job's options together before anything starts, with messages that name the key, the
 * value and the fix.
 */
public final class JobValidation {

  private JobValidation() {}

  public static void validate(ReadableConfig c) {
    // Reads the client config file too: an unreadable one is refused here, named.
    String bootstrap = KafkaClients.from(c).bootstrapServers();
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
    mixing(c);
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
    replicas(c);
    TrainerSettings.from(c).trainingConfig();
  }

  /** Flink parses the enum option; this names the key, the value and the accepted ones. */
  private static void mixing(ReadableConfig c) {
    try {
      c.get(TlAlignOptions.MIXING);
    } catch (IllegalArgumentException e) {
      String raw =
          c.get(ConfigOptions.key(key(TlAlignOptions.MIXING)).stringType().noDefaultValue());
      throw new IllegalArgumentException(
          key(TlAlignOptions.MIXING) + ": \"" + raw + "\" is not one of " + TargetMode.names(), e);
    }
  }

  private static void replicas(ReadableConfig c) {
    positive(c, TlAlignOptions.REPLICAS);
    if (c.get(TlAlignOptions.REPLICAS) == 1) {
      return;
    }
    positive(c, TlAlignOptions.SYNC_EVERY_STEPS);
    io.tlalign.job.sync.SyncSettings.from(
        c); // the rule, and what it needs of K, S and the outer step
    positive(c, TlAlignOptions.SYNC_CHUNK_BYTES);
    if (c.get(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS) < 0) {
      throw new IllegalArgumentException(
          key(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS)
              + " must be >= 0, got "
              + c.get(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS)
              + "; 0 waits for every round, 1 or more overlaps a round with training");
    }
    if (c.get(TlAlignOptions.SYNC_CHUNK_BYTES) > (64 << 20)) {
      throw new IllegalArgumentException(
          key(TlAlignOptions.SYNC_CHUNK_BYTES)
              + " is "
              + c.get(TlAlignOptions.SYNC_CHUNK_BYTES)
              + " bytes; keep it at most 64 MiB (and below the sync topic's max.message.bytes)");
    }
    String sync = c.get(TlAlignOptions.SYNC_TOPIC);
    for (ConfigOption<String> other :
        List.of(
            TlAlignOptions.TRAIN_TOPIC,
            TlAlignOptions.EVAL_TOPIC,
            TlAlignOptions.DEAD_LETTER_TOPIC,
            TlAlignOptions.METRICS_TOPIC,
            TlAlignOptions.MODELS_TOPIC)) {
      if (sync.equals(c.get(other))) {
        throw new IllegalArgumentException(
            key(TlAlignOptions.SYNC_TOPIC)
                + " is \""
                + sync
                + "\", the same as "
                + key(other)
                + "; give the replicas' sync rounds a topic of their own");
      }
    }
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
