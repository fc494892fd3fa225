package io.tlalign.model.train;

import io.tlalign.alignment.Box;
import io.tlalign.alignment.CutMixSample;
import io.tlalign.alignment.InitialWeights;
import io.tlalign.alignment.TokenLabelAlignment;
import io.tlalign.alignment.TokenLayout;
import java.util.Objects;

/**
 * Builds {@link MixedBatch}es from unmixed images with the alignment library's CutMix box and
 * pairing: paste the box, look up the partners' labels, compute the initial token weights.
 */
public final class MixedBatches {

  private MixedBatches() {}

  /**
   * CutMix: sample i keeps its own pixels outside the box and takes those of {@code partners[i]}
   * inside it, in every channel; the initial token weights come from {@link InitialWeights#forBox},
   * shared by the batch.
   *
   * @param batchIndex position of the batch in its stream
   * @param layout the model's token layout (image size, patch size, class token)
   * @param channels C
   * @param images [B, C, H, W] unmixed, normalised pixels; not modified
   * @param labels [B] class of each image
   * @param sample the batch's box and lambda, e.g. from {@code CutMixBoxSampler.samplePixelBox}
   * @param partners [B] index of each sample's source B, e.g. from {@code Pairing.partners}
   */
  public static MixedBatch cutMix(
      long batchIndex,
      TokenLayout layout,
      int channels,
      float[] images,
      int[] labels,
      CutMixSample sample,
      int[] partners) {
    Objects.requireNonNull(sample, "sample");
    int b = labels.length;
    int h = layout.imageHeight();
    int w = layout.imageWidth();
    int perImage = channels * h * w;
    if (images.length != (long) b * perImage) {
      throw new IllegalArgumentException(
          "images has " + images.length + " floats, expected " + b + " x " + perImage);
    }
    if (partners.length != b) {
      throw new IllegalArgumentException(
          "partners has " + partners.length + " entries for " + b + " samples; one per sample");
    }
    for (int p : partners) {
      if (p < 0 || p >= b) {
        throw new IllegalArgumentException("partner index " + p + " is outside [0, " + b + ")");
      }
    }
    Box box = sample.box();
    double lambda = box.lambda(h, w); // also checks that the box fits the image
    float[] mixed = images.clone();
    for (int i = 0; i < b; i++) {
      int dst = i * perImage;
      int src = partners[i] * perImage;
      for (int c = 0; c < channels; c++) {
        int plane = c * h * w;
        for (int y = box.y0(); y < box.y1(); y++) {
          int row = plane + y * w;
          System.arraycopy(images, src + row + box.x0(), mixed, dst + row + box.x0(), box.width());
        }
      }
    }
    return new MixedBatch(
        batchIndex,
        channels,
        h,
        w,
        mixed,
        labels.clone(),
        TokenLabelAlignment.partnerLabels(labels, partners),
        layout.numTokens(),
        toFloats(InitialWeights.forBox(layout, box)),
        lambda);
  }

  /** A batch without mixing: source B is the sample itself and every token is wholly A. */
  public static MixedBatch unmixed(
      long batchIndex, TokenLayout layout, int channels, float[] images, int[] labels) {
    int[] self = new int[labels.length];
    for (int i = 0; i < self.length; i++) {
      self[i] = i;
    }
    return cutMix(
        batchIndex,
        layout,
        channels,
        images,
        labels,
        new CutMixSample(Box.empty(), 1.0, 1.0),
        self);
  }

  /** [N][2] doubles to a flat float [N * 2]. */
  static float[] toFloats(double[][] weights) {
    float[] out = new float[weights.length * 2];
    for (int t = 0; t < weights.length; t++) {
      out[2 * t] = (float) weights[t][0];
      out[2 * t + 1] = (float) weights[t][1];
    }
    return out;
  }
}
