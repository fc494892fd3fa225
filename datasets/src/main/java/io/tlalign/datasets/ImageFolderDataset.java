package io.tlalign.datasets;

import io.tlalign.model.data.ImageHeader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A folder of class folders, {@code <root>/<class-name>/*.png|jpg|jpeg} (the "ImageFolder" layout):
 * class folders sorted by name give labels 0, 1, ...; files in a class folder are sorted by name.
 * Files directly in the root, and hidden files and folders, are ignored; other files in a class
 * folder are listed by {@link #ignoredFiles()}, so that a replay reports them.
 *
 * <p>An image is sent as the file's bytes ({@code PNG} or {@code JPEG}, whatever its name says),
 * with the size and channels its header gives (1 for grey, 3 for the rest); the job decodes it. So
 * a large photo travels compressed. Only the header is read here: a file that is not PNG or JPEG,
 * or whose header cannot be read, is reported as an {@link UnreadableImageException} when it is
 * read, not when the folder is opened.
 *
 * <p>Ids are {@code <root-name>/<split>/<class>/<file>}. {@link #open} names the records with the
 * split but holds the whole folder; {@link #holdOut} splits it.
 */
public final class ImageFolderDataset implements ImageDataset {

  private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg");

  /** Larger files are not read at all (the replay's record limit is far lower anyway). */
  private static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  /** The share of each class {@link #holdOut} sets aside. */
  public static final double HOLD_OUT_SHARE = 0.1;

  private final String name;
  private final Split split;
  private final List<String> classes;
  private final List<Entry> entries;
  private final List<Entry> ignored;

  private record Entry(int label, Path file) {}

  /** A folder split into a training part and a held-out test part; see {@link #holdOut}. */
  public record HoldOut(ImageFolderDataset train, ImageFolderDataset test) {}

  private ImageFolderDataset(
      String name, Split split, List<String> classes, List<Entry> entries, List<Entry> ignored) {
    this.name = name;
    this.split = split;
    this.classes = classes;
    this.entries = entries;
    this.ignored = ignored;
  }

  /**
   * Lists the images under {@code root}.
   *
   * @throws MalformedDatasetException when there are no class folders or no images
   */
  public static ImageFolderDataset open(Path root, Split split) throws IOException {
    Objects.requireNonNull(split, "split");
    List<Path> classDirs = classFolders(root);
    if (classDirs.isEmpty()) {
      throw new MalformedDatasetException(
          root + " holds no class folders; expected <path>/<class-name>/*.png|jpg|jpeg");
    }
    List<String> classes = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    List<Entry> ignored = new ArrayList<>();
    for (Path dir : classDirs) {
      int label = classes.size();
      classes.add(dir.getFileName().toString());
      for (Path f : filesIn(dir)) {
        (isImageName(f) ? entries : ignored).add(new Entry(label, f));
      }
    }
    if (entries.isEmpty()) {
      throw new MalformedDatasetException(
          "the class folders of " + root + " " + classes + " hold no *.png, *.jpg or *.jpeg files");
    }
    String name = root.toAbsolutePath().normalize().getFileName().toString();
    return new ImageFolderDataset(
        name, split, List.copyOf(classes), List.copyOf(entries), List.copyOf(ignored));
  }

  /**
   * True when {@code root} has the layout {@link #open} reads: a class folder holding at least one
   * file named *.png, *.jpg or *.jpeg.
   */
  public static boolean hasLayout(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      return false;
    }
    for (Path dir : classFolders(root)) {
      if (filesIn(dir).stream().anyMatch(ImageFolderDataset::isImageName)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Splits the folder into training images and a held-out test split: of a class with {@code n}
   * images, {@code round(n * 0.1)} are held out, at least one when {@code n >= 2}, none when {@code
   * n == 1}. Which ones: the first of the class's images in the seeded replay shuffle ({@link
   * ReplayOrder}, {@code seed}, with the class's label as the epoch), so the same seed always holds
   * out the same files. Both parts keep file order; ignored files go with the training part.
   */
  public static HoldOut holdOut(Path root, long seed) throws IOException {
    ImageFolderDataset all = open(root, Split.TRAIN);
    List<Entry> train = new ArrayList<>();
    List<Entry> test = new ArrayList<>();
    for (int label = 0; label < all.classes.size(); label++) {
      int l = label;
      List<Entry> ofClass = all.entries.stream().filter(e -> e.label() == l).toList();
      int n = ofClass.size();
      int held = n < 2 ? 0 : (int) Math.max(1, Math.round(n * HOLD_OUT_SHARE));
      boolean[] out = new boolean[n];
      int[] order = ReplayOrder.permutation(n, OptionalLong.of(seed), label);
      for (int i = 0; i < held; i++) {
        out[order[i]] = true;
      }
      for (int i = 0; i < n; i++) {
        (out[i] ? test : train).add(ofClass.get(i));
      }
    }
    if (test.isEmpty()) {
      throw new MalformedDatasetException(
          root
              + " has no class with 2 or more images, so nothing can be held out for testing; add"
              + " images");
    }
    return new HoldOut(
        new ImageFolderDataset(all.name, Split.TRAIN, all.classes, List.copyOf(train), all.ignored),
        new ImageFolderDataset(all.name, Split.TEST, all.classes, List.copyOf(test), List.of()));
  }

  private static List<Path> classFolders(Path root) throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.filter(Files::isDirectory)
          .filter(d -> !d.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    }
  }

  private static List<Path> filesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> !f.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    }
  }

  private static boolean isImageName(Path file) {
    String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(n::endsWith);
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
    return id(entries.get(index));
  }

  private String id(Entry e) {
    return source() + "/" + classes.get(e.label()) + "/" + e.file().getFileName();
  }

  /** The images of each class, by label. */
  public int[] countsByClass() {
    int[] counts = new int[classes.size()];
    entries.forEach(e -> counts[e.label()]++);
    return counts;
  }

  @Override
  public List<UnreadableImageException> ignoredFiles() {
    return ignored.stream()
        .map(
            e ->
                new UnreadableImageException(
                    id(e),
                    SkipReason.NOT_PNG_OR_JPEG,
                    e.file() + " is not named *.png, *.jpg or *.jpeg",
                    null))
        .toList();
  }

  @Override
  public DatasetImage image(int index) throws UnreadableImageException {
    Entry e = entries.get(index);
    String id = id(index);
    byte[] bytes;
    try {
      long size = Files.size(e.file());
      if (size > MAX_FILE_BYTES) {
        throw new UnreadableImageException(
            id,
            SkipReason.RECORD_TOO_LARGE,
            e.file() + " is " + size + " bytes, more than a record can hold",
            null);
      }
      bytes = Files.readAllBytes(e.file());
    } catch (IOException ex) {
      throw new UnreadableImageException(id, "cannot read " + e.file() + ": " + describe(ex), ex);
    }
    ImageHeader header;
    try {
      header = ImageHeader.read(bytes);
    } catch (ImageHeader.NotPngOrJpegException ex) {
      throw new UnreadableImageException(
          id,
          ex.otherFormat() ? SkipReason.NOT_PNG_OR_JPEG : SkipReason.UNREADABLE,
          e.file() + " is " + ex.getMessage(),
          ex);
    }
    String className = classes.get(e.label());
    Map<String, String> attributes =
        Map.of("class", className, "file", className + "/" + e.file().getFileName());
    return new DatasetImage(
        id,
        e.label(),
        header.height(),
        header.width(),
        header.channels(),
        header.encoding(),
        bytes,
        attributes);
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
