package io.tlalign.job.operators;

import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.vit.DataConfig;
import org.apache.flink.api.common.functions.MapFunction;

/** Applies {@link ImageAugmenter} to each image; skipped placeholders pass through untouched. */
public final class AugmentFunction implements MapFunction<TrainingImage, TrainingImage> {

  private final long jobSeed;
  private final int maxShift;
  private final DataConfig data;
  private transient ImageAugmenter augmenter;

  /**
   * @param data the images' data config: its normalised black fills the shifted-in border
   */
  public AugmentFunction(long jobSeed, int maxShift, DataConfig data) {
    this.jobSeed = jobSeed;
    this.maxShift = maxShift;
    this.data = data;
  }

  @Override
  public TrainingImage map(TrainingImage img) {
    if (img.skipped) {
      return img;
    }
    if (augmenter == null) {
      augmenter = new ImageAugmenter(jobSeed, maxShift, data);
    }
    img.pixels =
        augmenter.augment(img.id, img.seq, img.pixels, img.channels, img.height, img.width);
    return img;
  }
}
