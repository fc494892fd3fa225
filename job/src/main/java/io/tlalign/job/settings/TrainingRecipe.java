package io.tlalign.job.settings;

import io.tlalign.model.train.TargetMode;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;

/**
 * The recipe of one training run as the commands take it, written into the job's options in one
 * place: {@code train}, and each run of {@code demo} and {@code experiment}, start from it.
 *
 * @param model the ViT preset
 * @param mixing none, cutmix or tlalign
 * @param batchSize images per step
 * @param seed job seed (model initialisation, augmentation, CutMix boxes)
 * @param learningRate peak learning rate
 * @param warmupSteps warm-up steps
 * @param totalSteps optimizer steps of the cosine schedule
 * @param initFrom weights to start from instead of a seeded initialisation, or null
 */
public record TrainingRecipe(
    String model,
    TargetMode mixing,
    int batchSize,
    long seed,
    double learningRate,
    long warmupSteps,
    long totalSteps,
    Path initFrom) {

  /** Sets this recipe's options in {@code conf}; {@code tlalign.init-from} only when given. */
  public void applyTo(Configuration conf) {
    conf.set(TlAlignOptions.MODEL, model);
    conf.set(TlAlignOptions.MIXING, mixing);
    conf.set(TlAlignOptions.BATCH_SIZE, batchSize);
    conf.set(TlAlignOptions.SEED, seed);
    conf.set(TlAlignOptions.LEARNING_RATE, learningRate);
    conf.set(TlAlignOptions.WARMUP_STEPS, warmupSteps);
    conf.set(TlAlignOptions.TOTAL_STEPS, totalSteps);
    if (initFrom != null) {
      conf.set(TlAlignOptions.INIT_FROM, initFrom.toAbsolutePath().toString());
    }
  }
}
