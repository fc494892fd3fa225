package io.tlalign.alignment;

import java.util.Objects;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ChengBetaSampler;
import org.apache.commons.rng.sampling.distribution.ContinuousSampler;

/**
 * Samples CutMix boxes as in Yun et al. (ICCV 2019) and timm's {@code rand_bbox}: lambda ~
 * Beta(alpha, alpha), a box of side {@code sqrt(1 - lambda)} times the image's, centred uniformly,
 * clipped to the image, and lambda corrected to the area that was actually pasted.
 *
 * <p>Two forms: {@link #samplePixelBox} works on pixels (boxes may cut through patches, giving
 * fractional token weights) and {@link #sampleTokenGridBox} works on the patch grid and scales to
 * pixels, the form of the published TL-Align code, where every token is wholly A or wholly B.
 *
 * <p>Randomness is passed in; the sampler keeps no generator of its own, so a caller that keeps its
 * {@link UniformRandomProvider} in state reproduces every draw after a restore.
 */
public final class CutMixBoxSampler {

  private final double alpha;

  /**
   * @param alpha Beta(alpha, alpha) concentration; 1.0 gives a uniform lambda (the CutMix default).
   */
  public CutMixBoxSampler(double alpha) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException(
          "CutMix alpha must be a finite number > 0 (1.0 is the usual choice), got " + alpha);
    }
    this.alpha = alpha;
  }

  public double alpha() {
    return alpha;
  }

  /** Draws lambda ~ Beta(alpha, alpha) with Cheng's algorithm from commons-rng. */
  public double sampleLambda(UniformRandomProvider rng) {
    Objects.requireNonNull(rng, "rng");
    ContinuousSampler beta = ChengBetaSampler.of(rng, alpha, alpha);
    return beta.sample();
  }

  /** A box over an image of {@code height x width} pixels for a drawn lambda. */
  public CutMixSample samplePixelBox(int height, int width, UniformRandomProvider rng) {
    double lambda = sampleLambda(rng);
    Box box = boxFor(lambda, height, width, rng);
    return new CutMixSample(box, lambda, box.lambda(height, width));
  }

  /**
   * A box on the {@code gridHeight x gridWidth} patch grid, scaled to pixels by {@code patchSize}.
   */
  public CutMixSample sampleTokenGridBox(
      int gridHeight, int gridWidth, int patchSize, UniformRandomProvider rng) {
    requirePositive(patchSize, "patch size");
    double lambda = sampleLambda(rng);
    Box box = boxFor(lambda, gridHeight, gridWidth, rng).scaled(patchSize);
    return new CutMixSample(box, lambda, box.lambda(gridHeight * patchSize, gridWidth * patchSize));
  }

  /**
   * The box for a given lambda: sides {@code floor(side * sqrt(1 - lambda))}, centre uniform over
   * the image (a centre near the border makes the clipped box smaller, which is why lambda is
   * corrected afterwards).
   */
  public static Box boxFor(double lambda, int height, int width, UniformRandomProvider rng) {
    requirePositive(height, "height");
    requirePositive(width, "width");
    if (!(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
    }
    double cutRatio = Math.sqrt(1.0 - lambda);
    int cutH = (int) (height * cutRatio);
    int cutW = (int) (width * cutRatio);
    int cy = rng.nextInt(height);
    int cx = rng.nextInt(width);
    int y0 = clip(cy - cutH / 2, height);
    int y1 = clip(cy + cutH / 2, height);
    int x0 = clip(cx - cutW / 2, width);
    int x1 = clip(cx + cutW / 2, width);
    return new Box(y0, y1, x0, x1);
  }

  private static int clip(int v, int limit) {
    return Math.max(0, Math.min(limit, v));
  }

  private static void requirePositive(int v, String what) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be > 0, got " + v);
    }
  }
}
