package io.tlalign.alignment;

/**
 * The pasted CutMix rectangle as half-open pixel ranges: pixel (y, x) is inside when {@code y0 <= y
 * < y1} and {@code x0 <= x < x1}. Rows come first. A box may be empty or cover the whole image.
 */
public record Box(int y0, int y1, int x0, int x1) {

  public Box {
    if (y0 < 0 || x0 < 0 || y1 < y0 || x1 < x0) {
      throw new IllegalArgumentException(
          "Box needs 0 <= y0 <= y1 and 0 <= x0 <= x1, got y=["
              + y0
              + ","
              + y1
              + ") x=["
              + x0
              + ","
              + x1
              + ")");
    }
  }

  /** An empty box: nothing is pasted (lambda = 1). */
  public static Box empty() {
    return new Box(0, 0, 0, 0);
  }

  public int height() {
    return y1 - y0;
  }

  public int width() {
    return x1 - x0;
  }

  public long area() {
    return (long) height() * width();
  }

  public boolean isEmpty() {
    return area() == 0;
  }

  public boolean contains(int y, int x) {
    return y0 <= y && y < y1 && x0 <= x && x < x1;
  }

  /** Number of pixels shared with the half-open rectangle [ry0, ry1) x [rx0, rx1). */
  public long overlap(int ry0, int ry1, int rx0, int rx1) {
    long h = Math.max(0, Math.min(y1, ry1) - Math.max(y0, ry0));
    long w = Math.max(0, Math.min(x1, rx1) - Math.max(x0, rx0));
    return h * w;
  }

  /** Share of source A by area: {@code 1 - area / (height * width)}. */
  public double lambda(int imageHeight, int imageWidth) {
    if (y1 > imageHeight || x1 > imageWidth) {
      throw new IllegalArgumentException(
          this + " does not fit an image of " + imageHeight + "x" + imageWidth);
    }
    return 1.0 - (double) area() / ((double) imageHeight * imageWidth);
  }

  /** The same box with every coordinate multiplied by {@code factor} (grid cells to pixels). */
  public Box scaled(int factor) {
    return new Box(y0 * factor, y1 * factor, x0 * factor, x1 * factor);
  }
}
