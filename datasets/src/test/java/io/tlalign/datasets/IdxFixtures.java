package io.tlalign.datasets;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
final class IdxFixtures {

  private IdxFixtures() {}

  /** An unsigned-byte IDX file with the given dims and data, gzipped or not. */
  static Path write(Path file, boolean gzip, int[] dims, byte[] data) throws IOException {
    return writeRaw(file, gzip, header(0x08, dims), data);
  }

  static Path writeRaw(Path file, boolean gzip, byte[] header, byte[] data) throws IOException {
    try (OutputStream f = Files.newOutputStream(file);
        OutputStream out = gzip ? new GZIPOutputStream(f) : f) {
      out.write(header);
      out.write(data);
    }
    return file;
  }

  static byte[] header(int type, int[] dims) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(0);
    out.writeByte(0);
    out.writeByte(type);
    out.writeByte(dims.length);
    for (int d : dims) {
      out.writeInt(d);
    }
    return bytes.toByteArray();
  }

  /** n images of h x w whose pixel (i, p) is (7 i + p) mod 256. */
  static byte[] pixels(int n, int h, int w) {
    byte[] data = new byte[n * h * w];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < h * w; p++) {
        data[i * h * w + p] = (byte) (7 * i + p);
      }
    }
    return data;
  }

  /** A pair train-images-idx3-ubyte(.gz)/train-labels-idx1-ubyte(.gz) with labels i mod 10. */
  static void writePair(Path folder, String prefix, int n, int h, int w, boolean gzip)
      throws IOException {
    String gz = gzip ? ".gz" : "";
    write(
        folder.resolve(prefix + "-images-idx3-ubyte" + gz),
        gzip,
        new int[] {n, h, w},
        pixels(n, h, w));
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
    }
    write(folder.resolve(prefix + "-labels-idx1-ubyte" + gz), gzip, new int[] {n}, labels);
  }
}
