package io.tlalign.model.train;

import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.Objects;

/**
 * Everything a {@link TrainingSession} needs besides its data and device.
 *
 * @param model the ViT preset
 * @param seed seeds the parameter initialisation (and nothing else: the step has no random ops)
 * @param optimizer AdamW, schedule and clipping settings
 * @param targetMode TL-Align, plain CutMix or unmixed targets
 * @param labelSmoothing s in [0, 1): every class gets s/K, the true class 1 - s + s/K
 * @param data how the model's input images are prepared; not used by a step, but recorded in every
 *     captured state so that scoring a model file prepares images as its training run did
 */
public record TrainingConfig(
    VitConfig model,
    long seed,
    AdamWConfig optimizer,
    TargetMode targetMode,
    double labelSmoothing,
    DataConfig data) {

  public TrainingConfig {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(targetMode, "targetMode");
    Objects.requireNonNull(data, "data");
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException(
          "labelSmoothing must be in [0, 1), got " + labelSmoothing + "; 0.1 is the usual choice");
    }
    if (data.height() != model.imageHeight()
        || data.width() != model.imageWidth()
        || data.channels() != model.channels()) {
      throw new IllegalArgumentException(
          "data config " + data + " does not match the input of " + model.name());
    }
  }

  /** With the preset's data config ({@link VitPresets#dataConfig}). */
  public TrainingConfig(
      VitConfig model,
      long seed,
      AdamWConfig optimizer,
      TargetMode targetMode,
      double labelSmoothing) {
    this(model, seed, optimizer, targetMode, labelSmoothing, VitPresets.dataConfig(model));
  }

  /** TL-Align targets, label smoothing 0.1, {@link AdamWConfig#defaults()}. */
  public static TrainingConfig defaults(VitConfig model, long seed) {
    return new TrainingConfig(model, seed, AdamWConfig.defaults(), TargetMode.TLALIGN, 0.1);
  }

  public TrainingConfig withOptimizer(AdamWConfig newOptimizer) {
    return new TrainingConfig(model, seed, newOptimizer, targetMode, labelSmoothing, data);
  }

  public TrainingConfig withTargetMode(TargetMode mode) {
    return new TrainingConfig(model, seed, optimizer, mode, labelSmoothing, data);
  }

  public TrainingConfig withLabelSmoothing(double s) {
    return new TrainingConfig(model, seed, optimizer, targetMode, s, data);
  }

  public TrainingConfig withData(DataConfig d) {
    return new TrainingConfig(model, seed, optimizer, targetMode, labelSmoothing, d);
  }
}
