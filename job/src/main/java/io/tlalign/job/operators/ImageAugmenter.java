package io.tlalign.job.operators;

import io.tlalign.model.vit.DataConfig;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Light augmentation for small images: a random shift of up to {@code maxShift} pixels (the image
 * is padded with its background value and cropped back, like timm's random crop with padding) and a
 * horizontal flip with probability 1/2. Every draw is seeded from the job seed and the record id,
 * so a replayed record is augmented exactly as before. The background is black as the data config
 * normalises it.
 */
public final class ImageAugmenter {

  private final long jobSeed;
  private final int maxShift;
  private final DataConfig data;

  /** With vit-tiny-fm's normalisation of black, {@code (0 / 255 - 0.5) / 0.5}, in every channel. */
  public ImageAugmenter(long jobSeed, int maxShift) {
    this(jobSeed, maxShift, null);
  }

  /**
   * @param data normalises the black background per channel; null: vit-tiny-fm's
   */
  public ImageAugmenter(long jobSeed, int maxShift, DataConfig data) {
    this.jobSeed = jobSeed;
    this.maxShift = maxShift;
    this.data = data;
  }

  /** Returns a new {@code [C, H, W]} array; {@code pixels} is not modified. */
  public float[] augment(String recordId, long position, float[] pixels, int c, int h, int w) {
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(seedFor(recordId, position));
    int dy = rng.nextInt(2 * maxShift + 1) - maxShift;
    int dx = rng.nextInt(2 * maxShift + 1) - maxShift;
    boolean flip = rng.nextBoolean();
    float[] out = new float[pixels.length];
    for (int ch = 0; ch < c; ch++) {
      float background = data == null ? ImageValidator.normalise(0) : data.normalise(0, ch);
      int base = ch * h * w;
      for (int y = 0; y < h; y++) {
        int sy = y - dy;
        for (int x = 0; x < w; x++) {
          int sx = (flip ? w - 1 - x : x) - dx;
          out[base + y * w + x] =
              sy >= 0 && sy < h && sx >= 0 && sx < w ? pixels[base + sy * w + sx] : background;
        }
      }
    }
    return out;
  }

  long seedFor(String recordId, long position) {
    return seedFor(jobSeed, recordId, position);
  }

  /** The seed of every draw for one record: the job seed, the record id and its position. */
  static long seedFor(long jobSeed, String recordId, long position) {
    // A fixed, platform-independent mix (String.hashCode is specified by the JLS).
    long h = jobSeed * 0x9E3779B97F4A7C15L + recordId.hashCode();
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + position;
    return h ^ (h >>> 29);
  }
}
