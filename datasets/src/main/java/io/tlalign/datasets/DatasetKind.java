package io.tlalign.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The dataset formats a replay reads, by their command-line names. */
public enum DatasetKind {

  /** The four gzipped IDX files of Fashion-MNIST in a folder; see {@link FashionMnist}. */
  FASHION_MNIST("fashion-mnist"),

  /**
   * Any IDX image/label pair: a folder holding the split's pair, or an image file whose label file
   * lies next to it; see {@link IdxDataset}.
   */
  IDX("idx"),

  /** {@code <path>/<class-name>/*.png|jpg|jpeg}; see {@link ImageFolderDataset}. */
  FOLDER("folder");

  private final String id;

  DatasetKind(String id) {
    this.id = id;
  }

  /** The command-line name, e.g. {@code fashion-mnist}. */
  public String id() {
    return id;
  }

  /** The kind named {@code id}, if any. */
  public static Optional<DatasetKind> parse(String id) {
    return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
  }

  /** Every command-line name, in declaration order. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(DatasetKind::id).toList();
  }

  /** Where the dataset is when no path is given: only Fashion-MNIST has such a place. */
  public Optional<Path> defaultPath() {
    return this == FASHION_MNIST ? Optional.of(FashionMnist.DEFAULT_FOLDER) : Optional.empty();
  }

  /** Opens the split of the dataset at {@code path}. */
  public ImageDataset open(Path path, Split split) throws IOException {
    return switch (this) {
      case FASHION_MNIST -> FashionMnist.open(path, split);
      case IDX ->
          Files.isDirectory(path)
              ? IdxDataset.inFolder(name(path), split, path, List.of())
              : IdxDataset.forImageFile(name(path.toAbsolutePath().getParent()), split, path);
      case FOLDER -> ImageFolderDataset.open(path, split);
    };
  }

  private static String name(Path folder) {
    Path n = folder.toAbsolutePath().normalize().getFileName();
    return n == null ? "idx" : n.toString();
  }
}
