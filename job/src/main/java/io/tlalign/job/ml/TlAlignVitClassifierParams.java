package io.tlalign.job.ml;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.servable.ParamRule;
import io.tlalign.model.servable.TlAlignVitModelParams;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.vit.VitPresets;
import java.util.Arrays;
import org.apache.flink.ml.param.BooleanParam;
import org.apache.flink.ml.param.DoubleParam;
import org.apache.flink.ml.param.IntParam;
import org.apache.flink.ml.param.LongParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/**
 * The parameters of {@link TlAlignVitClassifier}: the model's columns plus the training settings,
 * each mapped onto the streaming job's option of the same meaning ({@code TlAlignOptions}) so a fit
 * and a job with equal settings train alike. Defaults are read from the job's options; the model's
 * own params (batch size, classes) keep theirs in the model module, checked equal by a test.
 */
public interface TlAlignVitClassifierParams<T>
    extends TlAlignVitModelParams<T>, HasLabelCol<T>, HasIdCol<T>, HasImageTransformParams<T> {

  Param<String> INIT_FROM =
      new StringParam(
          "initFrom",
          "Local path of weights to start from, as the job's tlalign.init-from: safetensors with"
              + " timm or Hugging Face ViT names, an exported folder, or a model file (.tlas)."
              + " Loaded strictly and adapted as timm does; optimizer moments zero, step 0. Null:"
              + " seeded random initialisation.",
          TlAlignOptions.INIT_FROM.hasDefaultValue()
              ? TlAlignOptions.INIT_FROM.defaultValue()
              : null,
          ParamRule.of(v -> !v.isBlank(), "null or the path of a weights file", true));

  Param<String> PRESET =
      new StringParam(
          "preset",
          "ViT preset: " + String.join(", ", VitPresets.names()) + ".",
          TlAlignOptions.MODEL.defaultValue(),
          ParamRule.oneOf(VitPresets.names().toArray(String[]::new)));

  Param<String> MIXING =
      new StringParam(
          "mixing",
          "Target: tlalign (aligned token labels), cutmix (area lambda) or none (no mixing).",
          TlAlignOptions.MIXING.defaultValue().toString(),
          ParamRule.oneOf(
              Arrays.stream(TargetMode.values()).map(TargetMode::toString).toArray(String[]::new)));

  Param<Double> CUTMIX_ALPHA =
      new DoubleParam(
          "cutMixAlpha",
          "CutMix's lambda ~ Beta(alpha, alpha).",
          TlAlignOptions.CUTMIX_ALPHA.defaultValue(),
          ParamRule.greaterThan(0, ", e.g. 1.0"));

  Param<Double> LABEL_SMOOTHING =
      new DoubleParam(
          "labelSmoothing",
          "Label smoothing s: every class gets s/K, the true class 1 - s + s/K.",
          TlAlignOptions.LABEL_SMOOTHING.defaultValue(),
          ParamRule.inHalfOpen(0, 1, ", e.g. 0.1"));

  Param<Double> LEARNING_RATE =
      new DoubleParam(
          "learningRate",
          "Peak learning rate of AdamW's warm-up and cosine schedule.",
          TlAlignOptions.LEARNING_RATE.defaultValue(),
          ParamRule.greaterThan(0, ", e.g. 0.001"));

  Param<Long> WARMUP_STEPS =
      new LongParam(
          "warmupSteps",
          "Linear warm-up steps at the start of the schedule.",
          TlAlignOptions.WARMUP_STEPS.defaultValue(),
          ParamRule.atLeast(0, ", e.g. 200"));

  Param<Integer> EPOCHS =
      new IntParam(
          "epochs",
          "Passes over the table; each pass after the first in a new seeded order.",
          1,
          ParamRule.atLeast(1, ", e.g. 3"));

  Param<Long> SEED =
      new LongParam(
          "seed",
          "Seeds the initial parameters, the augmentation, the CutMix draws and the epoch orders.",
          TlAlignOptions.SEED.defaultValue(),
          ParamRule.notNull());

  Param<Boolean> AUGMENT =
      new BooleanParam(
          "augment",
          "Random shift and horizontal flip, seeded per image, as in the streaming job.",
          TlAlignOptions.AUGMENT.defaultValue(),
          ParamRule.notNull());

  default String getInitFrom() {
    return get(INIT_FROM);
  }

  default T setInitFrom(String value) {
    return set(INIT_FROM, value);
  }

  default String getPreset() {
    return get(PRESET);
  }

  default T setPreset(String value) {
    return set(PRESET, value);
  }

  default String getMixing() {
    return get(MIXING);
  }

  default T setMixing(String value) {
    return set(MIXING, value);
  }

  default Double getCutMixAlpha() {
    return get(CUTMIX_ALPHA);
  }

  default T setCutMixAlpha(Double value) {
    return set(CUTMIX_ALPHA, value);
  }

  default Double getLabelSmoothing() {
    return get(LABEL_SMOOTHING);
  }

  default T setLabelSmoothing(Double value) {
    return set(LABEL_SMOOTHING, value);
  }

  default Double getLearningRate() {
    return get(LEARNING_RATE);
  }

  default T setLearningRate(Double value) {
    return set(LEARNING_RATE, value);
  }

  default Long getWarmupSteps() {
    return get(WARMUP_STEPS);
  }

  default T setWarmupSteps(Long value) {
    return set(WARMUP_STEPS, value);
  }

  default Integer getEpochs() {
    return get(EPOCHS);
  }

  default T setEpochs(Integer value) {
    return set(EPOCHS, value);
  }

  default Long getSeed() {
    return get(SEED);
  }

  default T setSeed(Long value) {
    return set(SEED, value);
  }

  default Boolean getAugment() {
    return get(AUGMENT);
  }

  default T setAugment(Boolean value) {
    return set(AUGMENT, value);
  }
}
