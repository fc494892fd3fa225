package io.tlalign.job.operators;

import java.io.Serializable;

/**
 * The training transform's RandomResizedCrop and flip (timm's {@code transforms_imagenet_train}):
 * area fraction {@code scale}, aspect-ratio range {@code ratio}, flip probability {@code hflip}.
 * Every draw comes from a generator seeded by the job seed, the record id and its position, as
 * {@link ImageAugmenter}'s, so a replayed record is cropped exactly as before.
 */
public record TrainCrop(long jobSeed, double[] scale, double[] ratio, double hflip)
    implements Serializable {

  public static final double[] DEFAULT_SCALE = {0.08, 1.0};
  public static final double[] DEFAULT_RATIO = {3.0 / 4.0, 4.0 / 3.0};
  public static final double DEFAULT_HFLIP = 0.5;

  public TrainCrop {
    if (scale.length != 2 || !(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) {
      throw new IllegalArgumentException(
          "scale " + java.util.Arrays.toString(scale) + ": need two values 0 < lo <= hi <= 1");
    }
    if (ratio.length != 2 || !(ratio[0] > 0 && ratio[0] <= ratio[1])) {
      throw new IllegalArgumentException(
          "ratio " + java.util.Arrays.toString(ratio) + ": need two values 0 < lo <= hi");
    }
    if (!(hflip >= 0 && hflip <= 1)) {
      throw new IllegalArgumentException("hflip " + hflip + " must lie in [0, 1]");
    }
    scale = scale.clone();
    ratio = ratio.clone();
  }
}
