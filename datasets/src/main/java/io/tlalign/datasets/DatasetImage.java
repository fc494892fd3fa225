package io.tlalign.datasets;

import io.tlalign.schemas.ImageEncoding;
import java.util.Map;

/**
 * One image read from a dataset, before it becomes a record.
 *
 * @param id stable and unique within the dataset, e.g. {@code fashion-mnist/train/000123}
 * @param label class index in [0, K)
 * @param height, width, channels as the pixels hold them, or as the PNG/JPEG header says
 * @param encoding {@code RAW_U8}, or {@code PNG}/{@code JPEG}: a file's bytes as they are, decoded
 *     by the job
 * @param pixels {@code RAW_U8}: row-major, channel-last unsigned bytes, {@code height * width *
 *     channels} of them; else the encoded bytes (as the record's {@code pixels} field)
 * @param attributes free-form facts about the image (origin file, class name, ...)
 */
public record DatasetImage(
    String id,
    int label,
    int height,
    int width,
    int channels,
    ImageEncoding encoding,
    byte[] pixels,
    Map<String, String> attributes) {

  public DatasetImage {
    if (encoding == ImageEncoding.RAW_U8 && (long) height * width * channels != pixels.length) {
      throw new IllegalArgumentException(
          id + ": " + pixels.length + " pixel bytes for " + height + "x" + width + "x" + channels);
    }
    attributes = Map.copyOf(attributes);
  }

  /** Raw pixels ({@code RAW_U8}). */
  public DatasetImage(
      String id,
      int label,
      int height,
      int width,
      int channels,
      byte[] pixels,
      Map<String, String> attributes) {
    this(id, label, height, width, channels, ImageEncoding.RAW_U8, pixels, attributes);
  }
}
