package io.tlalign.datasets;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The small real Fashion-MNIST subset the tests read instead of the Debian package: the first 3,000
 * training and the first 1,000 test images of Fashion-MNIST, as the four standard gzipped IDX
 * files, in {@code it-tests/src/test/resources/fashion-mnist} (see its README and {@code
 * make-subset.py}). The build names it with {@code -Dtlalign.fashion-mnist}.
 */
public final class FashionMnistSubset {

  /** Training images in the subset: the first of Fashion-MNIST's 60,000. */
  public static final int TRAIN_IMAGES = 3_000;

  /** Test images in the subset: the first of Fashion-MNIST's 10,000. */
  public static final int TEST_IMAGES = 1_000;

  private FashionMnistSubset() {}

  /** The subset's folder: {@code -Dtlalign.fashion-mnist}, else the copy in the repository. */
  public static Path folder() {
    Path p =
        Path.of(
            System.getProperty(
                "tlalign.fashion-mnist", "../it-tests/src/test/resources/fashion-mnist"));
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException(
          "the Fashion-MNIST test subset is not at "
              + p.toAbsolutePath()
              + "; set -Dtlalign.fashion-mnist=<folder with the four .gz files>");
    }
    return p;
  }
}
