package io.tlalign.datasets;

import java.util.Map;

/**
 * One image read from a dataset, before it becomes a record.
 *
 * @param id stable and unique within the dataset, e.g. {@code fashion-mnist/train/000123}
 * @param label class index in [0, K)
 * @param pixels row-major, channel-last unsigned bytes, {@code height * width * channels} of them
 * @param attributes free-form facts about the image (origin file, class name, ...)
 */
public record DatasetImage(
    String id,
    int label,
    int height,
    int width,
    int channels,
    byte[] pixels,
    Map<String, String> attributes) {

  public DatasetImage {
    if ((long) height * width * channels != pixels.length) {
      throw new IllegalArgumentException(
          id + ": " + pixels.length + " pixel bytes for " + height + "x" + width + "x" + channels);
    }
    attributes = Map.copyOf(attributes);
  }
}
