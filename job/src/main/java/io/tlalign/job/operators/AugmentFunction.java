package io.tlalign.job.operators;

import io.tlalign.job.records.TrainingImage;
import org.apache.flink.api.common.functions.MapFunction;

/** Applies {@link ImageAugmenter} to each image; skipped placeholders pass through untouched. */
public final class AugmentFunction implements MapFunction<TrainingImage, TrainingImage> {

  private final long jobSeed;
  private final int maxShift;
  private transient ImageAugmenter augmenter;

  public AugmentFunction(long jobSeed, int maxShift) {
    this.jobSeed = jobSeed;
    this.maxShift = maxShift;
  }

  @Override
  public TrainingImage map(TrainingImage img) {
    if (img.skipped) {
      return img;
    }
    if (augmenter == null) {
      augmenter = new ImageAugmenter(jobSeed, maxShift);
    }
    img.pixels =
        augmenter.augment(img.id, img.seq, img.pixels, img.channels, img.height, img.width);
    return img;
  }
}
