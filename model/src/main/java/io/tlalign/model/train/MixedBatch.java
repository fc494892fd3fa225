package io.tlalign.model.train;

import java.util.List;
import java.util.Objects;

/**
 * One training batch after pairing and CutMix, as plain Java values (no NDArray, no Flink): what
 * the pairing operator emits and the training operator consumes.
 *
 * <p>Arrays are flat and row-major so the value serialises cheaply and without surprises; they are
 * taken as given (not copied), so do not modify them after construction.
 *
 * @param batchIndex position of the batch in its stream; with the job seed it determines every
 *     random draw made for it
 * @param channels C
 * @param height H
 * @param width W
 * @param pixels [B, C, H, W] normalised float pixels, already mixed (partner pixels in the box)
 * @param labelsA [B] class of source A, the sample itself
 * @param labelsB [B] class of source B, the partner whose pixels fill the box
 * @param numTokens N, tokens of the model the weights were computed for
 * @param tokenWeights initial per-token source weights: [N, 2] shared by the batch (every sample
 *     has the same box) or [B, N, 2] per sample; index 0 = A, 1 = B
 * @param lambda share of source A by area, the plain CutMix weight
 */
public record MixedBatch(
    long batchIndex,
    int channels,
    int height,
    int width,
    float[] pixels,
    int[] labelsA,
    int[] labelsB,
    int numTokens,
    float[] tokenWeights,
    double lambda) {

  public MixedBatch {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labelsA, "labelsA");
    Objects.requireNonNull(labelsB, "labelsB");
    Objects.requireNonNull(tokenWeights, "tokenWeights");
    int b = labelsA.length;
    if (b == 0) {
      throw new IllegalArgumentException("a batch needs at least one sample, got none");
    }
    if (labelsB.length != b) {
      throw new IllegalArgumentException(
          "labelsA has " + b + " entries but labelsB has " + labelsB.length + "; one per sample");
    }
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "image shape must be positive, got C=" + channels + " H=" + height + " W=" + width);
    }
    long expected = (long) b * channels * height * width;
    if (pixels.length != expected) {
      throw new IllegalArgumentException(
          "pixels has "
              + pixels.length
              + " floats but "
              + b
              + " images of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " need "
              + expected);
    }
    if (numTokens <= 0) {
      throw new IllegalArgumentException("numTokens must be > 0, got " + numTokens);
    }
    if (tokenWeights.length != 2 * numTokens && tokenWeights.length != 2L * numTokens * b) {
      throw new IllegalArgumentException(
          "tokenWeights has "
              + tokenWeights.length
              + " floats; expected [N, 2] = "
              + 2 * numTokens
              + " (shared) or [B, N, 2] = "
              + 2L * numTokens * b
              + " (per sample)");
    }
    if (!(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
    }
  }

  public int batchSize() {
    return labelsA.length;
  }

  /** Whether one [N, 2] weight table serves every sample. */
  public boolean sharedTokenWeights() {
    return tokenWeights.length == 2 * numTokens;
  }

  /** The token weights as [B, N, 2], one table per sample, also when one table is shared. */
  public float[] tokenWeightsPerSample() {
    if (!sharedTokenWeights()) {
      return tokenWeights;
    }
    int n = tokenWeights.length;
    float[] out = new float[n * batchSize()];
    for (int i = 0; i < batchSize(); i++) {
      System.arraycopy(tokenWeights, 0, out, i * n, n);
    }
    return out;
  }

  /**
   * One batch of all samples of {@code parts}, in order: what one trainer of the whole batch sees
   * where P data-parallel replicas each train one part. Token weights become per sample; lambda is
   * the mean of the parts' lambdas; the batch index is the first part's.
   */
  public static MixedBatch concat(List<MixedBatch> parts) {
    MixedBatch first = parts.get(0);
    int samples = 0;
    int pixelCount = 0;
    int weightCount = 0;
    for (MixedBatch m : parts) {
      samples += m.batchSize();
      pixelCount += m.pixels.length;
      weightCount += 2 * m.numTokens * m.batchSize();
    }
    float[] pixels = new float[pixelCount];
    int[] a = new int[samples];
    int[] b = new int[samples];
    float[] weights = new float[weightCount];
    double lambda = 0;
    int at = 0;
    int atPixel = 0;
    int atWeight = 0;
    for (MixedBatch m : parts) {
      System.arraycopy(m.pixels, 0, pixels, atPixel, m.pixels.length);
      System.arraycopy(m.labelsA, 0, a, at, m.batchSize());
      System.arraycopy(m.labelsB, 0, b, at, m.batchSize());
      float[] w = m.tokenWeightsPerSample();
      System.arraycopy(w, 0, weights, atWeight, w.length);
      atPixel += m.pixels.length;
      at += m.batchSize();
      atWeight += w.length;
      lambda += m.lambda / parts.size();
    }
    return new MixedBatch(
        first.batchIndex,
        first.channels,
        first.height,
        first.width,
        pixels,
        a,
        b,
        first.numTokens,
        weights,
        lambda);
  }
}
