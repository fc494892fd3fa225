package io.tlalign.model.vit;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a model expects of its input images, read by both the training and the evaluation transform
 * (timm's {@code resolve_data_config}): the input size and channels, the per-channel mean and std
 * of the normalisation {@code (v / 255 - mean) / std}, the crop fraction of the evaluation
 * transform (resize the shorter side to {@code size / cropPct}, then centre-crop {@code size}), the
 * interpolation of every resize, and whether training crops with RandomResizedCrop.
 *
 * @param randomResizedCrop true: training draws a RandomResizedCrop and flip per record; false:
 *     training sees the evaluation transform (and the job's small shift augmentation, if enabled)
 */
public record DataConfig(
    int height,
    int width,
    int channels,
    float[] mean,
    float[] std,
    double cropPct,
    Interpolation interpolation,
    boolean randomResizedCrop)
    implements java.io.Serializable {

  /** How a resize computes each output pixel (the filters of PIL's {@code Image.resize}). */
  public enum Interpolation {
    BILINEAR,
    BICUBIC
  }

  public DataConfig {
    if (height <= 0 || width <= 0 || (channels != 1 && channels != 3)) {
      throw new IllegalArgumentException(
          "input " + height + "x" + width + "x" + channels + ": need positive sizes, 1 or 3 ch");
    }
    if (mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException(
          "mean "
              + Arrays.toString(mean)
              + " and std "
              + Arrays.toString(std)
              + " need one value per channel ("
              + channels
              + ")");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std " + Arrays.toString(std) + " must be positive");
      }
    }
    if (!(cropPct > 0 && cropPct <= 1)) {
      throw new IllegalArgumentException("crop_pct " + cropPct + " must lie in (0, 1]");
    }
    mean = mean.clone();
    std = std.clone();
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** One 8-bit value of channel {@code c} as the model sees it: {@code (v / 255 - mean) / std}. */
  public float normalise(int v, int c) {
    return (v / 255f - mean[c]) / std[c];
  }

  /** Metadata keys of {@link #toMetadata}: a model file's own record of its input's data config. */
  public static final String META_MEAN = "data.mean";

  public static final String META_STD = "data.std";
  public static final String META_CROP_PCT = "data.crop_pct";
  public static final String META_INTERPOLATION = "data.interpolation";

  /**
   * What scoring needs to reproduce this config (mean, std, crop_pct, interpolation), as strings
   * that round-trip exactly, for a model file's metadata. The size and channels are the preset's.
   */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(META_MEAN, join(mean));
    m.put(META_STD, join(std));
    m.put(META_CROP_PCT, Double.toString(cropPct));
    m.put(META_INTERPOLATION, interpolation.name().toLowerCase(Locale.ROOT));
    return m;
  }

  /**
   * This config with the entries of {@link #toMetadata} that {@code metadata} holds (a model file
   * written before they existed keeps this config).
   *
   * @throws IllegalArgumentException naming the key and value that do not parse or do not fit
   */
  public DataConfig withMetadata(Map<String, String> metadata) {
    DataConfig d = this;
    try {
      if (metadata.containsKey(META_MEAN)) {
        d = d.withMean(floats(metadata.get(META_MEAN)));
      }
      if (metadata.containsKey(META_STD)) {
        d = d.withStd(floats(metadata.get(META_STD)));
      }
      if (metadata.containsKey(META_CROP_PCT)) {
        d = d.withCropPct(Double.parseDouble(metadata.get(META_CROP_PCT)));
      }
      if (metadata.containsKey(META_INTERPOLATION)) {
        d =
            d.withInterpolation(
                Interpolation.valueOf(
                    metadata.get(META_INTERPOLATION).trim().toUpperCase(Locale.ROOT)));
      }
    } catch (IllegalArgumentException e) {
      Map<String, String> ours = new LinkedHashMap<>();
      for (String k : toMetadata().keySet()) {
        if (metadata.containsKey(k)) {
          ours.put(k, metadata.get(k));
        }
      }
      throw new IllegalArgumentException(
          "the model's data config " + ours + " does not fit " + this + ": " + e.getMessage(), e);
    }
    return d;
  }

  private static String join(float[] values) {
    StringBuilder b = new StringBuilder();
    for (float v : values) {
      b.append(b.length() == 0 ? "" : ",").append(v);
    }
    return b.toString();
  }

  private static float[] floats(String text) {
    String[] parts = text.split(",", -1);
    float[] out = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Float.parseFloat(parts[i].trim());
    }
    return out;
  }

  public DataConfig withMean(float[] m) {
    return new DataConfig(
        height, width, channels, m, std, cropPct, interpolation, randomResizedCrop);
  }

  public DataConfig withStd(float[] s) {
    return new DataConfig(
        height, width, channels, mean, s, cropPct, interpolation, randomResizedCrop);
  }

  public DataConfig withCropPct(double p) {
    return new DataConfig(height, width, channels, mean, std, p, interpolation, randomResizedCrop);
  }

  public DataConfig withInterpolation(Interpolation i) {
    return new DataConfig(height, width, channels, mean, std, cropPct, i, randomResizedCrop);
  }

  public DataConfig withRandomResizedCrop(boolean rrc) {
    return new DataConfig(height, width, channels, mean, std, cropPct, interpolation, rrc);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataConfig d
        && height == d.height
        && width == d.width
        && channels == d.channels
        && Arrays.equals(mean, d.mean)
        && Arrays.equals(std, d.std)
        && cropPct == d.cropPct
        && interpolation == d.interpolation
        && randomResizedCrop == d.randomResizedCrop;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std) + height * 7 + width + channels;
  }

  @Override
  public String toString() {
    return "DataConfig["
        + height
        + "x"
        + width
        + "x"
        + channels
        + ", mean "
        + Arrays.toString(mean)
        + ", std "
        + Arrays.toString(std)
        + ", crop_pct "
        + cropPct
        + ", "
        + interpolation
        + (randomResizedCrop ? ", RandomResizedCrop" : "")
        + "]";
  }
}
