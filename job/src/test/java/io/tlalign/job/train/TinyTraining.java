package io.tlalign.job.train;

import io.tlalign.alignment.PairingMode;
import io.tlalign.job.operators.BatchMixer;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small, real training for operator tests: the smallest preset (vit-tiny-fm, 28x28x1), batches of
 * four seeded random images, paired and CutMix-mixed by the job's own {@link BatchMixer}, TL-Align
 * targets, no warm-up (so every step moves the model) and one intra-op thread.
 */
public final class TinyTraining {

  public static final VitConfig PRESET = VitPresets.VIT_TINY_FM;
  public static final int BATCH = 4;

  private TinyTraining() {}

  /** The job's settings for this training, with the ledger on and a metric every step. */
  public static TrainerSettings settings() {
    return new TrainerSettings(
        PRESET.name(),
        10,
        7L,
        2e-3,
        0,
        1_000,
        TargetMode.TLALIGN,
        0.1,
        1,
        true,
        1,
        null,
        VitPresets.dataConfig(PRESET));
  }

  /** {@code count} mixed batches, indices 0.., ids {@code img-<batch>-<i>}; the same every call. */
  public static List<TrainingBatch> batches(int count) {
    BatchMixer mixer =
        new BatchMixer(7L, true, 1.0, false, PairingMode.REVERSED, 1, PRESET.tokenLayout());
    SplittableRandom rng = new SplittableRandom(11);
    int pixels = PRESET.pixelsPerImage();
    List<TrainingBatch> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      List<TrainingImage> images = new ArrayList<>();
      for (int i = 0; i < BATCH; i++) {
        float[] px = new float[pixels];
        for (int p = 0; p < pixels; p++) {
          px[p] = (float) rng.nextDouble(-1, 1);
        }
        long seq = (long) b * BATCH + i;
        images.add(
            TrainingImage.of(
                seq,
                "img-" + b + "-" + i,
                rng.nextInt(10),
                1,
                PRESET.imageHeight(),
                PRESET.imageWidth(),
                px));
      }
      out.add(mixer.mix(b, images));
    }
    return out;
  }
}
