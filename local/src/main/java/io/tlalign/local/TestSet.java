package io.tlalign.local;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.UnreadableImageException;
import io.tlalign.job.operators.ImageValidator;
import io.tlalign.job.operators.Rejection;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.model.servable.VitScorer;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.schemas.LabeledImage;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

  /**
   * Loads every image of {@code test} through the job's own decoding and evaluation transform
   * ({@link ImageValidator} without a training crop): any size, RAW_U8, PNG or JPEG, to the input
   * of the model {@code data} describes. An image that cannot be read or decoded is left out and
   * told to {@code onUnreadable} (its id and the reason).
   */
  public static TestSet transformed(
      ImageDataset test,
      int numClasses,
      DataConfig data,
      long maxPixels,
      BiConsumer<String, String> onUnreadable) {
    ImageValidator validator = new ImageValidator(numClasses, data, maxPixels, null);
    int per = data.channels() * data.height() * data.width();
    List<float[]> images = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int i = 0; i < test.size(); i++) {
      DatasetImage img;
      try {
        img = test.image(i);
      } catch (UnreadableImageException e) {
        onUnreadable.accept(e.imageId(), e.getMessage());
        continue;
      }
      try {
        TrainingImage t = validator.validate(record(img, test.source()), i);
        images.add(t.pixels);
        labels.add(t.label);
      } catch (Rejection e) {
        onUnreadable.accept(img.id(), e.reasonCode() + ": " + e.getMessage());
      }
    }
    float[] pixels = new float[images.size() * per];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, pixels, i * per, per);
    }
    return new TestSet(pixels, labels.stream().mapToInt(Integer::intValue).toArray(), per);
  }

  private static LabeledImage record(DatasetImage img, String source) {
    return LabeledImage.newBuilder()
        .setId(img.id())
        .setSource(source)
        .setLabel(img.label())
        .setHeight(img.height())
        .setWidth(img.width())
        .setChannels(img.channels())
        .setEncoding(img.encoding())
        .setPixels(ByteBuffer.wrap(img.pixels()))
        .setEventTime(Instant.EPOCH)
        .build();
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
