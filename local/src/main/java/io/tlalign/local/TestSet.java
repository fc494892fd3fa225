package io.tlalign.local;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.servable.VitScorer;
import io.tlalign.model.state.TrainingState;

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

  /** Loads every image of {@code test}. */
  public static TestSet of(ImageDataset test) throws io.tlalign.datasets.UnreadableImageException {
    int n = test.size();
    DatasetImage first = test.image(0);
    int per = first.height() * first.width() * first.channels();
    float[] pixels = new float[n * per];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      DatasetImage img = test.image(i);
      labels[i] = img.label();
      byte[] px = img.pixels();
      for (int p = 0; p < per; p++) {
        pixels[i * per + p] = ImagePixels.normalise(px[p] & 0xff);
      }
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
