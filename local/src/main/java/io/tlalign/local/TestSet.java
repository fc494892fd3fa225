package io.tlalign.local;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.UnreadableImageException;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.data.EncodedImages;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.servable.VitScorer;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.schemas.ImageEncoding;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A test split held in memory, normalised the way the job normalises, to score trained states
 * outside the job.
 */
public final class TestSet {

  private static final int EVAL_BATCH = 256;

  private final float[] pixels;
  private final int[] labels;
  private final int pixelsPerImage;

  private TestSet(float[] pixels, int[] labels, int pixelsPerImage) {
    this.pixels = pixels;
    this.labels = labels;
    this.pixelsPerImage = pixelsPerImage;
  }

  /**
   * Loads every image of {@code test} as the scoring paths prepare it ({@link
   * ImagePixels#toModelInput}: the data config's evaluation transform, any size, then its
   * normalisation). PNG and JPEG are decoded after their header's size is checked against {@code
   * maxPixels}. An image that cannot be read or decoded is left out and told to {@code
   * onUnreadable} (its id and the reason).
   */
  public static TestSet of(
      ImageDataset test, DataConfig data, long maxPixels, BiConsumer<String, String> onUnreadable) {
    int per = data.channels() * data.height() * data.width();
    float[] pixels = new float[test.size() * per];
    int[] labels = new int[test.size()];
    int n = 0;
    for (int i = 0; i < test.size(); i++) {
      DatasetImage img;
      try {
        img = test.image(i);
      } catch (UnreadableImageException e) {
        onUnreadable.accept(e.imageId(), e.getMessage());
        continue;
      }
      try {
        ImagePixels.toModelInput(u8(img, maxPixels), data, pixels, n * per);
        labels[n++] = img.label();
      } catch (IOException e) {
        onUnreadable.accept(img.id(), e.getMessage());
      }
    }
    return new TestSet(Arrays.copyOf(pixels, n * per), Arrays.copyOf(labels, n), per);
  }

  /** {@link #of(ImageDataset, DataConfig, long, BiConsumer)} of a split that is known readable. */
  public static TestSet of(ImageDataset test, DataConfig data) {
    return of(
        test,
        data,
        EncodedImages.DEFAULT_MAX_PIXELS,
        (id, why) -> {
          throw new IllegalStateException("test image " + id + " is unreadable: " + why);
        });
  }

  private static U8Image u8(DatasetImage img, long maxPixels) throws IOException {
    return img.encoding() == ImageEncoding.RAW_U8
        ? new U8Image(img.height(), img.width(), img.channels(), img.pixels())
        : EncodedImages.decode(img.pixels(), maxPixels);
  }

  public int size() {
    return labels.length;
  }

  /** Scores {@code state} on the first {@code limit} images (all when {@code limit >= size}). */
  public EvalResult evaluate(TrainerSettings settings, TrainingState state, int limit)
      throws Exception {
    int n = Math.min(limit, labels.length);
    float[] px = n == labels.length ? pixels : Arrays.copyOf(pixels, n * pixelsPerImage);
    int[] lb = n == labels.length ? labels : Arrays.copyOf(labels, n);
    // The scoring core the streaming job's evaluation and the Flink ML servable use.
    try (VitScorer scorer = VitScorer.open(settings.trainingConfig(), state)) {
      return scorer.evaluate(px, lb, EVAL_BATCH);
    }
  }
}
