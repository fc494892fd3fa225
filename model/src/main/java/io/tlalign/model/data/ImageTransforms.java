package io.tlalign.model.data;

import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.DataConfig.Interpolation;
import java.util.function.DoubleSupplier;
import java.util.function.IntUnaryOperator;

/**
 * The pieces of timm's {@code transforms_imagenet_eval} and {@code transforms_imagenet_train} as
 * pure functions over {@link U8Image}s, composed by {@link #evaluation} and {@link #training}.
 * Randomness is passed in: {@code unit} draws uniformly from [0, 1), {@code below} draws an int
 * uniformly from [0, n).
 */
public final class ImageTransforms {

  /** timm's RandomResizedCrop tries this many boxes before falling back to a centre crop. */
  static final int CROP_ATTEMPTS = 10;

  private ImageTransforms() {}

  /**
   * Grey from RGB as PIL's {@code convert("L")}: {@code (19595 R + 38470 G + 7471 B + 2^15) >> 16}.
   */
  public static int luminance(int r, int g, int b) {
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }

  /** The image with {@code channels} channels: grey to RGB replicates, RGB to grey is luminance. */
  public static U8Image toChannels(U8Image img, int channels) {
    if (img.channels() == channels) {
      return img;
    }
    int n = img.height() * img.width();
    byte[] out = new byte[n * channels];
    byte[] in = img.data();
    if (img.channels() == 1 && channels == 3) {
      for (int i = 0; i < n; i++) {
        out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = in[i];
      }
    } else if (img.channels() == 3 && channels == 1) {
      for (int i = 0; i < n; i++) {
        out[i] = (byte) luminance(in[3 * i] & 0xff, in[3 * i + 1] & 0xff, in[3 * i + 2] & 0xff);
      }
    } else {
      throw new IllegalArgumentException(img.channels() + " to " + channels + " channels");
    }
    return new U8Image(img.height(), img.width(), channels, out);
  }

  /** The {@code h x w} box at row {@code top}, column {@code left}. */
  public static U8Image crop(U8Image img, int top, int left, int h, int w) {
    if (top < 0 || left < 0 || top + h > img.height() || left + w > img.width()) {
      throw new IllegalArgumentException(
          "box "
              + h
              + "x"
              + w
              + " at ("
              + top
              + ", "
              + left
              + ") outside "
              + img.height()
              + "x"
              + img.width());
    }
    int c = img.channels();
    byte[] out = new byte[h * w * c];
    for (int y = 0; y < h; y++) {
      System.arraycopy(img.data(), ((top + y) * img.width() + left) * c, out, y * w * c, w * c);
    }
    return new U8Image(h, w, c, out);
  }

  /** torchvision's CenterCrop: the offset is {@code round((H - h) / 2)}, half to even. */
  public static U8Image centreCrop(U8Image img, int h, int w) {
    int top = (int) Math.rint((img.height() - h) / 2.0);
    int left = (int) Math.rint((img.width() - w) / 2.0);
    return crop(img, top, left, h, w);
  }

  public static U8Image flipHorizontal(U8Image img) {
    int h = img.height();
    int w = img.width();
    int c = img.channels();
    byte[] out = new byte[img.data().length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        System.arraycopy(img.data(), (y * w + (w - 1 - x)) * c, out, (y * w + x) * c, c);
      }
    }
    return new U8Image(h, w, c, out);
  }

  /**
   * Resizes to {@code h x w} with PIL's separable filters (support scaled by the reduction factor
   * when shrinking, so shrinking averages instead of aliasing). The horizontal pass is kept in
   * float and the result rounded once, so values may differ from PIL's by one. The same size
   * returns the image itself.
   */
  public static U8Image resize(U8Image img, int h, int w, Interpolation interpolation) {
    if (h == img.height() && w == img.width()) {
      return img;
    }
    int c = img.channels();
    int inH = img.height();
    int inW = img.width();
    Coefficients cx = Coefficients.of(inW, w, interpolation);
    Coefficients cy = Coefficients.of(inH, h, interpolation);
    float[] tmp = new float[inH * w * c];
    for (int y = 0; y < inH; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < c; ch++) {
          double s = 0;
          for (int k = 0; k < cx.count[x]; k++) {
            s += cx.weights[x][k] * img.get(y, cx.first[x] + k, ch);
          }
          tmp[(y * w + x) * c + ch] = (float) s;
        }
      }
    }
    byte[] out = new byte[h * w * c];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < c; ch++) {
          double s = 0;
          for (int k = 0; k < cy.count[y]; k++) {
            s += cy.weights[y][k] * tmp[((cy.first[y] + k) * w + x) * c + ch];
          }
          out[(y * w + x) * c + ch] = (byte) Math.max(0, Math.min(255, Math.round(s)));
        }
      }
    }
    return new U8Image(h, w, c, out);
  }

  /**
   * torchvision's Resize with one size: the shorter side becomes {@code size}, the longer {@code
   * (int) (size * long / short)}.
   */
  public static U8Image resizeShorter(U8Image img, int size, Interpolation interpolation) {
    int h = img.height();
    int w = img.width();
    if (h <= w) {
      return resize(img, size, (int) ((long) size * w / h), interpolation);
    }
    return resize(img, (int) ((long) size * h / w), size, interpolation);
  }

  /**
   * timm's RandomResizedCrop box: up to ten tries of an area fraction from {@code scale} and a
   * log-uniform aspect ratio from {@code ratio}, placed uniformly; if none fits, the whole image
   * clamped to the ratio range, centred.
   *
   * @return {top, left, height, width}
   */
  public static int[] randomResizedCropBox(
      int h, int w, double[] scale, double[] ratio, DoubleSupplier unit, IntUnaryOperator below) {
    double area = (double) h * w;
    double logLo = Math.log(ratio[0]);
    double logHi = Math.log(ratio[1]);
    for (int attempt = 0; attempt < CROP_ATTEMPTS; attempt++) {
      double targetArea = area * uniform(scale[0], scale[1], unit);
      double aspect = Math.exp(uniform(logLo, logHi, unit));
      int cw = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int ch = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (cw > 0 && ch > 0 && cw <= w && ch <= h) {
        int top = below.applyAsInt(h - ch + 1);
        int left = below.applyAsInt(w - cw + 1);
        return new int[] {top, left, ch, cw};
      }
    }
    double inRatio = (double) w / h;
    int cw;
    int ch;
    if (inRatio < Math.min(ratio[0], ratio[1])) {
      cw = w;
      ch = (int) Math.rint(cw / Math.min(ratio[0], ratio[1]));
    } else if (inRatio > Math.max(ratio[0], ratio[1])) {
      ch = h;
      cw = (int) Math.rint(ch * Math.max(ratio[0], ratio[1]));
    } else {
      cw = w;
      ch = h;
    }
    return new int[] {(h - ch) / 2, (w - cw) / 2, ch, cw};
  }

  private static double uniform(double lo, double hi, DoubleSupplier unit) {
    return lo + (hi - lo) * unit.getAsDouble();
  }

  /**
   * timm's evaluation transform: the input channels, the shorter side resized to {@code floor(size
   * / crop_pct)} (each side on its own for a non-square input), the centre {@code size} cropped.
   * With crop_pct 1 an image at the input size passes unchanged.
   */
  public static U8Image evaluation(U8Image img, DataConfig cfg) {
    U8Image in = toChannels(img, cfg.channels());
    U8Image resized;
    if (cfg.height() == cfg.width()) {
      resized =
          resizeShorter(in, (int) Math.floor(cfg.height() / cfg.cropPct()), cfg.interpolation());
    } else {
      resized =
          resize(
              in,
              (int) Math.floor(cfg.height() / cfg.cropPct()),
              (int) Math.floor(cfg.width() / cfg.cropPct()),
              cfg.interpolation());
    }
    return centreCrop(resized, cfg.height(), cfg.width());
  }

  /**
   * timm's training transform: a RandomResizedCrop box resized to the input size, then a horizontal
   * flip with probability {@code hflip}; the draws come in that order: the box, then one {@code
   * unit} for the flip.
   */
  public static U8Image training(
      U8Image img,
      DataConfig cfg,
      double[] scale,
      double[] ratio,
      double hflip,
      DoubleSupplier unit,
      IntUnaryOperator below) {
    U8Image in = toChannels(img, cfg.channels());
    int[] box = randomResizedCropBox(in.height(), in.width(), scale, ratio, unit, below);
    U8Image out =
        resize(
            crop(in, box[0], box[1], box[2], box[3]),
            cfg.height(),
            cfg.width(),
            cfg.interpolation());
    return unit.getAsDouble() < hflip ? flipHorizontal(out) : out;
  }

  /** The model's {@code [C, H, W]} floats, {@code (v / 255 - mean) / std}, written at offset. */
  public static void normalise(U8Image img, DataConfig cfg, float[] out, int offset) {
    int h = img.height();
    int w = img.width();
    int c = img.channels();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < c; ch++) {
          out[offset + (ch * h + y) * w + x] = cfg.normalise(img.get(y, x, ch), ch);
        }
      }
    }
  }

  /** Filter weights of one resize axis, as PIL's {@code precompute_coeffs}. */
  private static final class Coefficients {
    final int[] first;
    final int[] count;
    final double[][] weights;

    private Coefficients(int n) {
      first = new int[n];
      count = new int[n];
      weights = new double[n][];
    }

    static Coefficients of(int in, int out, Interpolation interpolation) {
      double support = interpolation == Interpolation.BICUBIC ? 2.0 : 1.0;
      double scale = (double) in / out;
      double filterScale = Math.max(scale, 1.0);
      double reach = support * filterScale;
      Coefficients c = new Coefficients(out);
      for (int o = 0; o < out; o++) {
        double centre = (o + 0.5) * scale;
        int lo = Math.max((int) (centre - reach + 0.5), 0);
        int hi = Math.min((int) (centre + reach + 0.5), in);
        double[] k = new double[hi - lo];
        double total = 0;
        for (int i = lo; i < hi; i++) {
          double v = filter((i - centre + 0.5) / filterScale, interpolation);
          k[i - lo] = v;
          total += v;
        }
        for (int i = 0; i < k.length && total != 0; i++) {
          k[i] /= total;
        }
        c.first[o] = lo;
        c.count[o] = k.length;
        c.weights[o] = k;
      }
      return c;
    }

    /** PIL's bicubic (a = -0.5) and triangle filters. */
    static double filter(double x, Interpolation interpolation) {
      double ax = Math.abs(x);
      if (interpolation == Interpolation.BILINEAR) {
        return ax < 1 ? 1 - ax : 0;
      }
      double a = -0.5;
      if (ax < 1) {
        return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      }
      if (ax < 2) {
        return (((ax - 5) * ax + 8) * ax - 4) * a;
      }
      return 0;
    }
  }
}
