package io.tlalign.job.ml;

import io.tlalign.job.operators.TrainCrop;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.servable.ParamRule;
import io.tlalign.model.servable.TlAlignParams;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.Arrays;
import java.util.Locale;
import org.apache.flink.ml.param.DoubleArrayParam;
import org.apache.flink.ml.param.DoubleParam;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/**
 * The fit's image transform params, one per streaming-job option of the same name ({@code
 * tlalign.scale}, {@code ratio}, {@code hflip}, {@code crop-pct}, {@code interpolation}, {@code
 * mean}, {@code std}; timm's names). Null means "not set": the preset's data config applies, as for
 * an unset option. Each validator is the check of the class that declares the value ({@link
 * TrainCrop}, {@link DataConfig}), and each default the option's, so a fit and a job accept and
 * default alike.
 */
public interface HasImageTransformParams<T> extends TlAlignParams<T> {

  Param<Double[]> SCALE =
      new DoubleArrayParam(
          "scale",
          "RandomResizedCrop area fraction range [lo, hi]; setting it trains with"
              + " RandomResizedCrop. Null: the preset's (DeiT: [0.08, 1]).",
          null,
          ParamRule.of(
              v -> accepts(() -> new TrainCrop(0, unbox(v), TrainCrop.DEFAULT_RATIO, 0)),
              "null or two numbers 0 < lo <= hi <= 1, e.g. [0.08, 1.0]",
              true));

  Param<Double[]> RATIO =
      new DoubleArrayParam(
          "ratio",
          "RandomResizedCrop aspect-ratio range [lo, hi]. Null: [3/4, 4/3].",
          null,
          ParamRule.of(
              v -> accepts(() -> new TrainCrop(0, TrainCrop.DEFAULT_SCALE, unbox(v), 0)),
              "null or two numbers 0 < lo <= hi, e.g. [0.75, 1.3333]",
              true));

  Param<Double> HFLIP =
      new DoubleParam(
          "hflip",
          "Probability of the training transform's horizontal flip.",
          TlAlignOptions.HFLIP.defaultValue(),
          ParamRule.of(
              v ->
                  accepts(
                      () -> new TrainCrop(0, TrainCrop.DEFAULT_SCALE, TrainCrop.DEFAULT_RATIO, v)),
              "a number in [0, 1], e.g. 0.5",
              false));

  Param<Double> CROP_PCT =
      new DoubleParam(
          "cropPct",
          "Evaluation crop fraction: the shorter side is resized to size / cropPct, then the centre"
              + " is cropped. Null: the preset's.",
          null,
          ParamRule.of(
              v -> accepts(() -> VitPresets.dataConfig(VitPresets.VIT_TINY_FM).withCropPct(v)),
              "null or a number in (0, 1], e.g. 0.875",
              true));

  Param<String> INTERPOLATION =
      new StringParam(
          "interpolation",
          "Resize filter: " + String.join(", ", interpolations()) + ". Null: the preset's.",
          null,
          ParamRule.of(
              v -> Arrays.asList(interpolations()).contains(v.trim().toLowerCase(Locale.ROOT)),
              "null or one of " + String.join(", ", interpolations()),
              true));

  Param<Double[]> MEAN =
      new DoubleArrayParam(
          "mean",
          "Per-channel normalisation mean, one value per input channel. Null: the preset's.",
          null,
          ParamRule.of(
              v -> v.length > 0 && Arrays.stream(v).allMatch(x -> x != null && Double.isFinite(x)),
              "null or one finite number per channel, e.g. [0.485, 0.456, 0.406]",
              true));

  Param<Double[]> STD =
      new DoubleArrayParam(
          "std",
          "Per-channel normalisation std, one value per input channel. Null: the preset's.",
          null,
          ParamRule.of(
              v -> v.length > 0 && Arrays.stream(v).allMatch(x -> x != null && x > 0 && x < 1e30),
              "null or one number > 0 per channel, e.g. [0.229, 0.224, 0.225]",
              true));

  default Double[] getScale() {
    return get(SCALE);
  }

  default T setScale(Double... value) {
    return set(SCALE, value);
  }

  default Double[] getRatio() {
    return get(RATIO);
  }

  default T setRatio(Double... value) {
    return set(RATIO, value);
  }

  default Double getHflip() {
    return get(HFLIP);
  }

  default T setHflip(Double value) {
    return set(HFLIP, value);
  }

  default Double getCropPct() {
    return get(CROP_PCT);
  }

  default T setCropPct(Double value) {
    return set(CROP_PCT, value);
  }

  default String getInterpolation() {
    return get(INTERPOLATION);
  }

  default T setInterpolation(String value) {
    return set(INTERPOLATION, value);
  }

  default Double[] getMean() {
    return get(MEAN);
  }

  default T setMean(Double... value) {
    return set(MEAN, value);
  }

  default Double[] getStd() {
    return get(STD);
  }

  default T setStd(Double... value) {
    return set(STD, value);
  }

  private static String[] interpolations() {
    return Arrays.stream(DataConfig.Interpolation.values())
        .map(i -> i.name().toLowerCase(Locale.ROOT))
        .toArray(String[]::new);
  }

  /** True when {@code check} does not throw IllegalArgumentException (or NullPointerException). */
  private static boolean accepts(Runnable check) {
    try {
      check.run();
      return true;
    } catch (IllegalArgumentException | NullPointerException e) {
      return false;
    }
  }

  private static double[] unbox(Double[] v) {
    return Arrays.stream(v).mapToDouble(Double::doubleValue).toArray();
  }
}
