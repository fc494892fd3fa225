package io.tlalign.model.servable;

import io.tlalign.model.data.EncodedImages;
import io.tlalign.model.data.ImageTransforms;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.vit.DataConfig;
import java.io.IOException;

/**
 * Images to the model's normalised {@code [C, H, W]} floats for scoring: the data config's
 * evaluation transform (channels converted, shorter side resized to {@code size / crop_pct}, centre
 * crop), then its normalisation {@code (v / 255 - mean) / std}. Every scoring path (the servable,
 * the Flink ML model, {@code predict}, the demo's test split) prepares images here, so each sees
 * the numbers the streaming job's evaluation sees.
 */
public final class ImagePixels {

  private ImagePixels() {}

  /** Writes {@code img}, prepared for scoring with {@code data}, into {@code out} at offset. */
  public static void toModelInput(U8Image img, DataConfig data, float[] out, int offset) {
    ImageTransforms.normalise(ImageTransforms.evaluation(img, data), data, out, offset);
  }

  /**
   * The image a features column holds: PNG bytes (by their 8-byte signature), else raw pixels at
   * the input size ({@code H * W * C} bytes, row-major, channel-last), else JPEG bytes (by their
   * start-of-image marker), decoded with the size checked before decoding.
   *
   * @throws IllegalArgumentException naming the length and what is accepted, or why decoding failed
   */
  public static U8Image fromColumn(byte[] value, DataConfig data, long maxPixels) {
    long raw = (long) data.height() * data.width() * data.channels();
    if (value.length == raw && !EncodedImages.isPng(value)) {
      return new U8Image(data.height(), data.width(), data.channels(), value);
    }
    if (EncodedImages.isPng(value) || EncodedImages.isJpeg(value)) {
      try {
        return EncodedImages.decode(value, maxPixels);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            (EncodedImages.isPng(value) ? "PNG" : "JPEG") + " bytes: " + e.getMessage(), e);
      }
    }
    throw new IllegalArgumentException(
        value.length
            + " pixel bytes for a "
            + data.height()
            + "x"
            + data.width()
            + "x"
            + data.channels()
            + " image (need "
            + raw
            + ", row-major, channel-last, one unsigned byte each), and not PNG or JPEG bytes");
  }
}
