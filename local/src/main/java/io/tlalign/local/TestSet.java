package io.tlalign.local;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.servable.VitScorer;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.DataConfig;

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
   * Loads every image of {@code test}, prepared as the job's evaluation prepares it: the data
   * config's evaluation transform (any image size), then its normalisation.
   */
  public static TestSet of(ImageDataset test, DataConfig data)
      throws io.tlalign.datasets.UnreadableImageException {
    int n = test.size();
    int per = data.channels() * data.height() * data.width();
    float[] pixels = new float[n * per];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      DatasetImage img = test.image(i);
      labels[i] = img.label();
      ImagePixels.toModelInput(
          new U8Image(img.height(), img.width(), img.channels(), img.pixels()),
          data,
          pixels,
          i * per);
    }
    return new TestSet(pixels, labels, per);
  }

  public int size() {
    return labels.length;
  }

  /** Scores {@code state} on the first {@code limit} images (all when {@code limit >= size}). */
  public EvalResult evaluate(TrainerSettings settings, TrainingState state, int limit)
      throws Exception {
    int n = Math.min(limit, labels.length);
    float[] px = n == labels.length ? pixels : java.util.Arrays.copyOf(pixels, n * pixelsPerImage);
    int[] lb = n == labels.length ? labels : java.util.Arrays.copyOf(labels, n);
    // The scoring core the streaming job's evaluation and the Flink ML servable use.
    try (VitScorer scorer = VitScorer.open(settings.trainingConfig(), state)) {
      return scorer.evaluate(px, lb, EVAL_BATCH);
    }
  }
}
