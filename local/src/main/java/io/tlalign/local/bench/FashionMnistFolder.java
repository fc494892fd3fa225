package io.tlalign.local.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The {@code --data} check of the benchmarks that read Fashion-MNIST. */
final class FashionMnistFolder {

  private FashionMnistFolder() {}

  /** Refuses a path that is not a folder, with the way to get the data. */
  static void check(Path data) {
    if (!Files.isDirectory(data)) {
      throw new IllegalArgumentException(
          "--data "
              + data
              + " is not a folder; install Fashion-MNIST (apt-get install"
              + " dataset-fashion-mnist) or point --data at its folder");
    }
  }
}
