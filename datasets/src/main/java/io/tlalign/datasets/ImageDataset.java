package io.tlalign.datasets;

/**
 * A labeled image dataset with a fixed order, read by index so that a replay can visit it in any
 * seeded order. Implementations read lazily or hold the data in memory; either way {@link #image}
 * of the same index always gives the same image.
 */
public interface ImageDataset {

  /** Dataset name and split, e.g. {@code fashion-mnist/train}: the records' {@code source}. */
  String source();

  /** Number of images. */
  int size();

  /**
   * The image at {@code index} in dataset order.
   *
   * @throws UnreadableImageException when this one image cannot be read (the rest may still be)
   * @throws IndexOutOfBoundsException for an index outside [0, size)
   */
  DatasetImage image(int index) throws UnreadableImageException;

  /**
   * Files the dataset holds but never reads (in an image folder: files not named *.png, *.jpg or
   * *.jpeg), each as the exception a read would give; a replay reports and counts them once.
   */
  default java.util.List<UnreadableImageException> ignoredFiles() {
    return java.util.List.of();
  }

  /**
   * Zero-padded index for ids: at least 6 digits, more for datasets of a million images or more.
   */
  static String paddedIndex(int index, int size) {
    int digits = Math.max(6, Integer.toString(Math.max(0, size - 1)).length());
    String s = Integer.toString(index);
    return "0".repeat(Math.max(0, digits - s.length())) + s;
  }
}
