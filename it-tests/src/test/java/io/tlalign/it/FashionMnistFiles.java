package io.tlalign.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the first images of Fashion-MNIST straight from its IDX files, independently of the replay
 * tool, to give the tests expected values. The files are the repository's small real subset (the
 * first 3,000 training and 1,000 test images, {@code src/test/resources/fashion-mnist}), so that
 * the tests need neither the Debian package dataset-fashion-mnist nor the network.
 */
final class FashionMnistFiles {

  /** The subset's folder: {@code -Dtlalign.fashion-mnist}, else the copy in this module. */
  static final Path DIR =
      Path.of(System.getProperty("tlalign.fashion-mnist", "src/test/resources/fashion-mnist"));

  /** Training images in the subset. */
  static final int TRAIN_IMAGES = 3_000;

  /** Test images in the subset. */
  static final int TEST_IMAGES = 1_000;

  record Images(byte[][] pixels, int[] labels) {}

  private FashionMnistFiles() {}

  static Images read(String split, int count) throws IOException {
    if (!Files.isDirectory(DIR)) {
      throw new IllegalStateException(
          DIR.toAbsolutePath()
              + " is missing: set -Dtlalign.fashion-mnist=<folder with the four .gz files>");
    }
    int available = split.equals("train") ? TRAIN_IMAGES : TEST_IMAGES;
    if (count > available) {
      throw new IllegalArgumentException(
          count + " " + split + " images asked for; the test subset has " + available);
    }
    byte[][] px = new byte[count][28 * 28];
    int[] labels = new int[count];
    try (DataInputStream in = open(split + "-images-idx3-ubyte.gz")) {
      require(in.readInt() == 0x803, "image magic");
      in.readInt();
      in.readInt();
      in.readInt();
      for (int i = 0; i < count; i++) {
        in.readFully(px[i]);
      }
    }
    try (DataInputStream in = open(split + "-labels-idx1-ubyte.gz")) {
      require(in.readInt() == 0x801, "label magic");
      in.readInt();
      for (int i = 0; i < count; i++) {
        labels[i] = in.readUnsignedByte();
      }
    }
    return new Images(px, labels);
  }

  /** A raw 28x28 grey Fashion-MNIST image as the record a producer would send. */
  static io.tlalign.schemas.LabeledImage record(String id, int label, byte[] pixels) {
    return io.tlalign.schemas.LabeledImage.newBuilder()
        .setId(id)
        .setSource("fashion-mnist")
        .setLabel(label)
        .setHeight(28)
        .setWidth(28)
        .setChannels(1)
        .setEncoding(io.tlalign.schemas.ImageEncoding.RAW_U8)
        .setPixels(java.nio.ByteBuffer.wrap(pixels))
        .setEventTime(java.time.Instant.now())
        .build();
  }

  private static DataInputStream open(String name) throws IOException {
    InputStream raw = Files.newInputStream(DIR.resolve(name));
    return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("bad " + what + " in " + DIR);
    }
  }
}
