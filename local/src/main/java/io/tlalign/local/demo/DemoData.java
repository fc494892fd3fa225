package io.tlalign.local.demo;

import io.tlalign.datasets.DatasetDownload;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.ImageFolderDataset;
import io.tlalign.datasets.Split;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the demo's images come from. With {@code --data DIR}: the four Fashion-MNIST files in DIR,
 * or an image folder ({@code DIR/<class-name>/*.png|jpg|jpeg}, split by a seeded hold-out, see
 * {@link ImageFolderDataset#holdOut}); anything else is refused with the layouts it accepts.
 * Without it, in the order a user expects of a dataset loader: the Debian package's folder ({@link
 * FashionMnist#DEFAULT_FOLDER}), the user's cache folder; then {@code apt-get install -y
 * dataset-fashion-mnist} as root on Debian; then the dataset's published files downloaded into the
 * cache with their MD5 checked ({@link DatasetDownload}); failing all of that, a {@link
 * SyntheticDataset}, clearly labelled GENERATED.
 *
 * @param labelNames class names by label (the class folders' names for an image folder)
 */
public record DemoData(
    ImageDataset train, ImageDataset test, String description, Kind kind, List<String> labelNames) {

  /** The three kinds of data the demo trains on. */
  public enum Kind {
    FASHION_MNIST,
    IMAGE_FOLDER,
    GENERATED
  }

  public DemoData {
    labelNames = List.copyOf(labelNames);
  }

  /** True for the generated fallback, which says nothing about any real dataset. */
  public boolean generated() {
    return kind == Kind.GENERATED;
  }

  /** K, the number of classes. */
  public int numClasses() {
    return labelNames.size();
  }

  /** Generated images per split when Fashion-MNIST cannot be had. */
  static final int GENERATED_TRAIN = 20_000;

  static final int GENERATED_TEST = 2_000;

  /**
   * What {@code --data DIR} holds: {@link Kind#FASHION_MNIST} or {@link Kind#IMAGE_FOLDER}.
   *
   * @throws IllegalArgumentException naming DIR and the layouts that are accepted
   */
  public static Kind layoutOf(Path dir) throws IOException {
    if (hasFiles(dir)) {
      return Kind.FASHION_MNIST;
    }
    if (ImageFolderDataset.hasLayout(dir)) {
      return Kind.IMAGE_FOLDER;
    }
    throw new IllegalArgumentException(
        "--data "
            + dir
            + " holds neither layout the demo reads: the four Fashion-MNIST files ("
            + String.join(", ", fashionFileNames())
            + "), or an image folder of class folders ("
            + dir
            + "/<class-name>/*.png|jpg|jpeg)");
  }

  private static List<String> fashionFileNames() {
    List<String> names = new java.util.ArrayList<>();
    for (Split s : Split.values()) {
      names.add(FashionMnist.imageFile(Path.of(""), s).toString());
      names.add(FashionMnist.labelFile(Path.of(""), s).toString());
    }
    return names;
  }

  /** True when {@code folder} holds the four Fashion-MNIST gz files. */
  public static boolean hasFiles(Path folder) {
    if (folder == null || !Files.isDirectory(folder)) {
      return false;
    }
    for (Split s : Split.values()) {
      if (!Files.isRegularFile(FashionMnist.imageFile(folder, s))
          || !Files.isRegularFile(FashionMnist.labelFile(folder, s))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Where to look and how to fetch: the system folder of the Debian package, the user's cache
   * folder, whether {@code apt-get} may be tried, and the download (null: never download).
   */
  public record Sources(
      Path systemFolder, Path cacheFolder, boolean aptAllowed, DatasetDownload download) {

    /** The defaults: the Debian folder, the XDG cache, apt as root on Debian, the mirrors. */
    public static Sources defaults() {
      return new Sources(
          FashionMnist.DEFAULT_FOLDER,
          userCacheFolder(),
          isRoot() && isDebian(),
          DatasetDownload.fashionMnist());
    }
  }

  /** {@code $XDG_CACHE_HOME/tlalign/datasets/fashion-mnist}, else under {@code ~/.cache}. */
  public static Path userCacheFolder() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("tlalign").resolve("datasets").resolve(FashionMnist.NAME);
  }

  /** Finds or gets the data from the default sources, saying what it does on {@code log}. */
  public static DemoData resolve(Path dataFlag, PrintStream log) throws IOException {
    return resolve(dataFlag, 0, Sources.defaults(), log);
  }

  /** As {@link #resolve(Path, PrintStream)}, an image folder held out with {@code seed}. */
  public static DemoData resolve(Path dataFlag, long seed, PrintStream log) throws IOException {
    return resolve(dataFlag, seed, Sources.defaults(), log);
  }

  /** {@link #resolve(Path, long, Sources, PrintStream)} with hold-out seed 0. */
  public static DemoData resolve(Path dataFlag, Sources sources, PrintStream log)
      throws IOException {
    return resolve(dataFlag, 0, sources, log);
  }

  /**
   * Reads {@code --data} when given (refusing any other layout); else finds or gets Fashion-MNIST:
   * the system folder, the cache folder; then apt-get (root on Debian), then the checksum-verified
   * download into the cache; else generated data.
   *
   * @param seed which images of an image folder are held out for testing
   * @throws IllegalArgumentException when {@code --data} holds neither accepted layout
   */
  public static DemoData resolve(Path dataFlag, long seed, Sources sources, PrintStream log)
      throws IOException {
    if (dataFlag != null) {
      return layoutOf(dataFlag) == Kind.FASHION_MNIST
          ? fashion(dataFlag)
          : imageFolder(dataFlag, seed);
    }
    for (Path folder : new Path[] {sources.systemFolder(), sources.cacheFolder()}) {
      if (hasFiles(folder)) {
        return fashion(folder);
      }
    }
    if (sources.aptAllowed()) {
      log.println(
          "demo: Fashion-MNIST not found; running as root on Debian: apt-get install -y"
              + " dataset-fashion-mnist");
      if (aptInstall(log) && hasFiles(sources.systemFolder())) {
        return fashion(sources.systemFolder());
      }
      log.println("demo: apt-get install -y dataset-fashion-mnist did not provide the files");
    }
    if (sources.download() != null) {
      log.println(
          "demo: downloading Fashion-MNIST's published files into "
              + sources.cacheFolder()
              + " (MD5 checked)");
      try {
        if (sources.download().fetchInto(sources.cacheFolder(), log)
            && hasFiles(sources.cacheFolder())) {
          return fashion(sources.cacheFolder());
        }
      } catch (IOException e) {
        log.println("demo: the download failed: " + e.getMessage());
      }
    }
    log.println(
        "demo: cannot get Fashion-MNIST (no files in "
            + sources.systemFolder()
            + " or "
            + sources.cacheFolder()
            + ", and no verified download: offline?). Install it with 'apt-get install"
            + " dataset-fashion-mnist' or pass --data DIR. Falling back to a small GENERATED"
            + " dataset of 10 synthetic pattern classes: its accuracy says nothing about"
            + " Fashion-MNIST.");
    return synthetic();
  }

  /** The generated fallback. */
  public static DemoData synthetic() {
    List<String> names = new java.util.ArrayList<>();
    for (int k = 0; k < SyntheticDataset.CLASSES; k++) {
      names.add("pattern-" + k);
    }
    return new DemoData(
        new SyntheticDataset(Split.TRAIN, GENERATED_TRAIN),
        new SyntheticDataset(Split.TEST, GENERATED_TEST),
        "GENERATED synthetic patterns (10 classes, 28x28; "
            + GENERATED_TRAIN
            + " train / "
            + GENERATED_TEST
            + " test images) - NOT Fashion-MNIST",
        Kind.GENERATED,
        names);
  }

  private static DemoData fashion(Path folder) throws IOException {
    return new DemoData(
        FashionMnist.open(folder, Split.TRAIN),
        FashionMnist.open(folder, Split.TEST),
        "Fashion-MNIST from " + folder.toAbsolutePath(),
        Kind.FASHION_MNIST,
        FashionMnist.CLASS_NAMES);
  }

  /** An image folder, a tenth of each class held out for testing (seeded). */
  static DemoData imageFolder(Path folder, long seed) throws IOException {
    ImageFolderDataset.HoldOut split = ImageFolderDataset.holdOut(folder, seed);
    List<String> classes = split.train().classes();
    return new DemoData(
        split.train(),
        split.test(),
        "image folder "
            + folder.toAbsolutePath()
            + " ("
            + classes.size()
            + " classes; "
            + split.train().size()
            + " train / "
            + split.test().size()
            + " held-out test images, seed "
            + seed
            + ")",
        Kind.IMAGE_FOLDER,
        classes);
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static boolean isDebian() {
    return Files.isRegularFile(Path.of("/etc/debian_version"));
  }

  private static boolean aptInstall(PrintStream log) {
    try {
      Process p =
          new ProcessBuilder("apt-get", "install", "-y", "dataset-fashion-mnist")
              .redirectErrorStream(true)
              .start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return false;
      }
      if (p.exitValue() != 0) {
        log.println("demo: apt-get exited " + p.exitValue() + ": " + lastLine(out));
        return false;
      }
      return true;
    } catch (IOException e) {
      log.println("demo: apt-get failed: " + e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String lastLine(String s) {
    String t = s.strip();
    int i = t.lastIndexOf('\n');
    return i < 0 ? t : t.substring(i + 1);
  }
}
