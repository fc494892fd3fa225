package io.tlalign.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A dataset made of an IDX image file and an IDX label file (MNIST, Fashion-MNIST, KMNIST, EMNIST,
 * ...), both held in memory.
 *
 * <p>The image file is {@code N x H x W} (grey) or {@code N x H x W x C} with C = 1 or 3; the label
 * file is {@code N}. Ids are {@code <name>/<split>/<index>} with the index zero-padded to 6 digits,
 * e.g. {@code fashion-mnist/train/000123}.
 *
 * <p>{@link #inFolder} finds the pair in a folder by the MNIST naming convention: for the train
 * split the files whose names contain {@code train-images} and {@code train-labels}, for the test
 * split {@code t10k-images}/{@code t10k-labels} (or {@code test-images}/{@code test-labels});
 * {@code .gz} or not. {@link #forImageFile} takes an image file and finds its label file by
 * replacing {@code images} with {@code labels} and {@code idx3} with {@code idx1} in its name.
 */
public final class IdxDataset implements ImageDataset {

  private final String name;
  private final Split split;
  private final IdxFile images;
  private final IdxFile labels;
  private final List<String> classNames;
  private final int height;
  private final int width;
  private final int channels;
  private final int imageBytes;

  private IdxDataset(
      String name, Split split, IdxFile images, IdxFile labels, List<String> classNames)
      throws MalformedDatasetException {
    this.name = name;
    this.split = split;
    this.images = images;
    this.labels = labels;
    this.classNames = List.copyOf(classNames);
    if (images.rank() != 3 && images.rank() != 4) {
      throw new MalformedDatasetException(
          images.path()
              + " is "
              + IdxFile.shape(images.dims())
              + "; an IDX image file is N x height x width, or N x height x width x channels");
    }
    this.height = images.dim(1);
    this.width = images.dim(2);
    this.channels = images.rank() == 4 ? images.dim(3) : 1;
    if (channels != 1 && channels != 3) {
      throw new MalformedDatasetException(
          images.path() + " has " + channels + " channels per pixel; images have 1 or 3");
    }
    if (labels.rank() != 1) {
      throw new MalformedDatasetException(
          labels.path()
              + " is "
              + IdxFile.shape(labels.dims())
              + "; an IDX label file has one dimension");
    }
    if (labels.dim(0) != images.dim(0)) {
      throw new MalformedDatasetException(
          "image and label files disagree: "
              + images.path()
              + " holds "
              + images.dim(0)
              + " images, "
              + labels.path()
              + " holds "
              + labels.dim(0)
              + " labels");
    }
    this.imageBytes = height * width * channels;
  }

  /**
   * Reads an image file and a label file.
   *
   * @param name dataset name for ids and the record source, e.g. {@code mnist}
   * @param classNames class names by label, for the {@code class} attribute; may be empty
   */
  public static IdxDataset open(
      String name, Split split, Path imageFile, Path labelFile, List<String> classNames)
      throws IOException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(split, "split");
    return new IdxDataset(
        name, split, IdxFile.read(imageFile), IdxFile.read(labelFile), classNames);
  }

  /** Finds the split's image and label files in {@code folder} (see the class comment). */
  public static IdxDataset inFolder(String name, Split split, Path folder, List<String> classNames)
      throws IOException {
    List<String> prefixes = split == Split.TRAIN ? List.of("train") : List.of("t10k", "test");
    Path imageFile = find(folder, prefixes, "images", split);
    Path labelFile = find(folder, prefixes, "labels", split);
    return open(name, split, imageFile, labelFile, classNames);
  }

  /** An image file and the label file next to it (see the class comment). */
  public static IdxDataset forImageFile(String name, Split split, Path imageFile)
      throws IOException {
    String fileName = imageFile.getFileName().toString();
    if (!fileName.contains("images")) {
      throw new MalformedDatasetException(
          "cannot tell the label file of "
              + imageFile
              + ": its name does not contain 'images'; pass the folder that holds both files");
    }
    Path labelFile =
        imageFile.resolveSibling(fileName.replace("images", "labels").replace("idx3", "idx1"));
    if (!Files.isRegularFile(labelFile)) {
      throw new NoSuchFileException(
          labelFile.toString(),
          null,
          "the label file that belongs to " + imageFile + " is missing");
    }
    return open(name, split, imageFile, labelFile, List.of());
  }

  private static Path find(Path folder, List<String> prefixes, String kind, Split split)
      throws IOException {
    List<Path> matches;
    try (Stream<Path> files = Files.list(folder)) {
      matches =
          files
              .filter(Files::isRegularFile)
              .filter(
                  f -> {
                    String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                    return prefixes.stream().anyMatch(p -> n.contains(p + "-" + kind));
                  })
              .sorted()
              .toList();
    }
    if (matches.size() != 1) {
      throw new MalformedDatasetException(
          (matches.isEmpty() ? "no" : matches.size())
              + " IDX "
              + kind
              + " files of the "
              + split.id()
              + " split in "
              + folder
              + (matches.isEmpty() ? "" : " " + matches.stream().map(Path::getFileName).toList())
              + "; expected exactly one whose name contains "
              + String.join(
                  " or ", prefixes.stream().map(p -> "'" + p + "-" + kind + "'").toList()));
    }
    return matches.get(0);
  }

  @Override
  public String source() {
    return name + "/" + split.id();
  }

  @Override
  public int size() {
    return labels.dim(0);
  }

  /** Image height in pixels. */
  public int height() {
    return height;
  }

  /** Image width in pixels. */
  public int width() {
    return width;
  }

  /** Channels per pixel, 1 or 3. */
  public int channels() {
    return channels;
  }

  /** The label of image {@code index}. */
  public int label(int index) {
    Objects.checkIndex(index, size());
    return labels.unsignedByte(index);
  }

  /** The id of image {@code index}. */
  public String id(int index) {
    return source() + "/" + ImageDataset.paddedIndex(index, size());
  }

  @Override
  public DatasetImage image(int index) {
    Objects.checkIndex(index, size());
    int label = labels.unsignedByte(index);
    Map<String, String> attributes =
        label < classNames.size()
            ? Map.of("index", Integer.toString(index), "class", classNames.get(label))
            : Map.of("index", Integer.toString(index));
    return new DatasetImage(
        id(index),
        label,
        height,
        width,
        channels,
        images.slice(index * imageBytes, imageBytes),
        attributes);
  }
}
