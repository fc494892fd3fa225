package io.tlalign.datasets;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A folder of class folders, {@code <root>/<class-name>/*.png|jpg|jpeg} (the "ImageFolder" layout):
 * class folders sorted by name give labels 0, 1, ...; files in a class folder are sorted by name.
 * Other files, and files directly in the root, are ignored.
 *
 * <p>Images are decoded with {@code javax.imageio} when read and sent as raw bytes ({@code RAW_U8},
 * like the IDX datasets, so that every record of a replay has the same form): grey images (8 or 16
 * bit, with or without alpha) as 1 channel, everything else as 3 channels of sRGB; alpha is
 * dropped. 16-bit samples are scaled to 8 bits. A file that cannot be decoded is reported as an
 * {@link UnreadableImageException} when it is read, not when the folder is opened.
 *
 * <p>Ids are {@code <root-name>/<split>/<class>/<file>}; the split only names the records (the
 * folder is not split).
 */
public final class ImageFolderDataset implements ImageDataset {

  private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

  private final String name;
  private final Split split;
  private final List<String> classes;
  private final List<Entry> entries;

  private record Entry(int label, Path file) {}

  private ImageFolderDataset(String name, Split split, List<String> classes, List<Entry> entries) {
    this.name = name;
    this.split = split;
    this.classes = classes;
    this.entries = entries;
  }

  /**
   * Lists the images under {@code root}.
   *
   * @throws MalformedDatasetException when there are no class folders or no images
   */
  public static ImageFolderDataset open(Path root, Split split) throws IOException {
    Objects.requireNonNull(split, "split");
    List<Path> classDirs;
    try (Stream<Path> s = Files.list(root)) {
      classDirs =
          s.filter(Files::isDirectory)
              .filter(d -> !d.getFileName().toString().startsWith("."))
              .sorted()
              .toList();
    }
    if (classDirs.isEmpty()) {
      throw new MalformedDatasetException(
          root + " holds no class folders; expected <path>/<class-name>/*.png|jpg|jpeg");
    }
    List<String> classes = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    for (Path dir : classDirs) {
      int label = classes.size();
      classes.add(dir.getFileName().toString());
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isRegularFile)
            .filter(ImageFolderDataset::isImageName)
            .sorted()
            .forEach(f -> entries.add(new Entry(label, f)));
      }
    }
    if (entries.isEmpty()) {
      throw new MalformedDatasetException(
          "the class folders of " + root + " " + classes + " hold no *.png, *.jpg or *.jpeg files");
    }
    String name = root.toAbsolutePath().normalize().getFileName().toString();
    return new ImageFolderDataset(name, split, List.copyOf(classes), List.copyOf(entries));
  }

  private static boolean isImageName(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return !n.startsWith(".") && EXTENSIONS.stream().anyMatch(n::endsWith);
  }

  /** Class names by label: the class folders' names, sorted. */
  public List<String> classes() {
    return classes;
  }

  @Override
  public String source() {
    return name + "/" + split.id();
  }

  @Override
  public int size() {
    return entries.size();
  }

  /** The id of image {@code index}. */
  public String id(int index) {
    Entry e = entries.get(index);
    return source() + "/" + classes.get(e.label()) + "/" + e.file().getFileName();
  }

  @Override
  public DatasetImage image(int index) throws UnreadableImageException {
    Entry e = entries.get(index);
    String id = id(index);
    BufferedImage image;
    try {
      image = ImageIO.read(e.file().toFile());
    } catch (IOException | RuntimeException ex) {
      throw new UnreadableImageException(id, "cannot decode " + e.file() + ": " + describe(ex), ex);
    }
    if (image == null) {
      throw new UnreadableImageException(
          id, "cannot decode " + e.file() + ": not an image format javax.imageio can read", null);
    }
    String className = classes.get(e.label());
    Map<String, String> attributes =
        Map.of("class", className, "file", className + "/" + e.file().getFileName());
    int h = image.getHeight();
    int w = image.getWidth();
    if ((long) h * w * 3 > Integer.MAX_VALUE - 8) {
      throw new UnreadableImageException(id, e.file() + " is " + h + "x" + w + ": too large", null);
    }
    if (isGrey(image.getColorModel())) {
      return new DatasetImage(id, e.label(), h, w, 1, greyBytes(image), attributes);
    }
    return new DatasetImage(id, e.label(), h, w, 3, rgbBytes(image), attributes);
  }

  private static boolean isGrey(ColorModel cm) {
    return !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
  }

  /** Band 0 of the raster, scaled to 8 bits (no colour-space conversion, which would bend it). */
  private static byte[] greyBytes(BufferedImage image) {
    int h = image.getHeight();
    int w = image.getWidth();
    Raster raster = image.getRaster();
    int bits = image.getColorModel().getComponentSize(0);
    long max = (1L << bits) - 1;
    byte[] out = new byte[h * w];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      raster.getSamples(0, y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        int v = bits == 8 ? row[x] : (int) ((row[x] * 255L + max / 2) / max);
        out[y * w + x] = (byte) v;
      }
    }
    return out;
  }

  /** sRGB, channel-last; alpha dropped. */
  private static byte[] rgbBytes(BufferedImage image) {
    int h = image.getHeight();
    int w = image.getWidth();
    byte[] out = new byte[h * w * 3];
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      image.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int p = row[x];
        int o = (y * w + x) * 3;
        out[o] = (byte) (p >>> 16);
        out[o + 1] = (byte) (p >>> 8);
        out[o + 2] = (byte) p;
      }
    }
    return out;
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
