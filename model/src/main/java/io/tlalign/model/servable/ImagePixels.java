package io.tlalign.model.servable;

/**
 * Raw 8-bit images (row-major, channel-last: the {@code RAW_U8} encoding of {@code LabeledImage})
 * to the model's normalised {@code [C, H, W]} floats, {@code (v / 255 - 0.5) / 0.5}. The one place
 * this conversion lives, so training, evaluation and serving see the same numbers.
 */
public final class ImagePixels {

  private ImagePixels() {}

  /** One pixel value 0..255 as the model sees it. */
  public static float normalise(int v) {
    return (v / 255f - 0.5f) / 0.5f;
  }

  /**
   * Converts one image into {@code out} at {@code offset}.
   *
   * @throws IllegalArgumentException when {@code raw} does not hold {@code h * w * c} bytes
   */
  public static void toChannelFirst(byte[] raw, int h, int w, int c, float[] out, int offset) {
    long expected = (long) h * w * c;
    if (raw == null || raw.length != expected) {
      throw new IllegalArgumentException(
          (raw == null ? "no" : Integer.toString(raw.length))
              + " pixel bytes for a "
              + h
              + "x"
              + w
              + "x"
              + c
              + " image (need "
              + expected
              + ", row-major, channel-last, one unsigned byte each)");
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int ch = 0; ch < c; ch++) {
          out[offset + (ch * h + y) * w + x] = normalise(raw[(y * w + x) * c + ch] & 0xff);
        }
      }
    }
  }
}
