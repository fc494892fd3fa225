package io.tlalign.datasets;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017, arXiv 1708.07747): 70,000 grey 28x28 images of
 * clothing in 10 classes, 60,000 for training and 10,000 for testing, as four gzipped IDX files.
 * The Debian package {@code dataset-fashion-mnist} installs them in {@link #DEFAULT_FOLDER}.
 */
public final class FashionMnist {

  /** Where {@code dataset-fashion-mnist} installs the files. */
  public static final Path DEFAULT_FOLDER = Path.of("/usr/share/datasets/fashion-mnist");

  /** Dataset name in ids and sources. */
  public static final String NAME = "fashion-mnist";

  /** Class names by label. */
  public static final List<String> CLASS_NAMES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  private FashionMnist() {}

  /** The split's image file in {@code folder}. */
  public static Path imageFile(Path folder, Split split) {
    return folder.resolve(prefix(split) + "-images-idx3-ubyte.gz");
  }

  /** The split's label file in {@code folder}. */
  public static Path labelFile(Path folder, Split split) {
    return folder.resolve(prefix(split) + "-labels-idx1-ubyte.gz");
  }

  /** Reads the split from the four files in {@code folder}. */
  public static IdxDataset open(Path folder, Split split) throws IOException {
    return IdxDataset.open(
        NAME, split, imageFile(folder, split), labelFile(folder, split), CLASS_NAMES);
  }

  private static String prefix(Split split) {
    return split == Split.TRAIN ? "train" : "t10k";
  }
}
