package io.tlalign.it;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the first images of the Debian package dataset-fashion-mnist straight from its IDX files,
 * independently of the replay tool, to give the tests expected values.
 */
final class FashionMnistFiles {

  static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

  record Images(byte[][] pixels, int[] labels) {}

  private FashionMnistFiles() {}

  static Images read(String split, int count) throws IOException {
    if (!Files.isDirectory(DIR)) {
      throw new IllegalStateException(
          DIR + " is missing: install it with apt-get install -y dataset-fashion-mnist");
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
