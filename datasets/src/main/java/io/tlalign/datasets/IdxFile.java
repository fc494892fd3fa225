package io.tlalign.datasets;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * One IDX file (the format of MNIST and its relatives), gzip-compressed or not, read whole into
 * memory after its header has been checked.
 *
 * <p>Layout: two zero bytes, a type byte ({@code 0x08} = unsigned byte, the only type images and
 * labels use), a dimension count d, d big-endian 32-bit sizes, then the product of the sizes in
 * data bytes, row-major, and nothing after them. Whether a file is gzipped is read from its first
 * two bytes, not from its name.
 */
public final class IdxFile {

  /** The IDX type code of unsigned bytes. */
  static final int TYPE_UNSIGNED_BYTE = 0x08;

  private static final int MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

  private final Path path;
  private final int[] dims;
  private final byte[] data;

  private IdxFile(Path path, int[] dims, byte[] data) {
    this.path = path;
    this.dims = dims;
    this.data = data;
  }

  /**
   * Reads and checks {@code file}.
   *
   * @throws MalformedDatasetException for a file that is not an unsigned-byte IDX file of exactly
   *     the size its header declares; the message names the file and what is wrong
   */
  public static IdxFile read(Path file) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      raw.mark(2);
      boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
      raw.reset();
      InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
      return read(file, new DataInputStream(in));
    }
  }

  private static IdxFile read(Path file, DataInputStream in) throws IOException {
    byte[] magic = in.readNBytes(4);
    if (magic.length < 4) {
      throw malformed(file, "is not an IDX file: it holds only " + magic.length + " bytes");
    }
    if (magic[0] != 0 || magic[1] != 0) {
      throw malformed(
          file,
          String.format(
              "is not an IDX file: its magic number 0x%02X%02X%02X%02X does not start with two"
                  + " zero bytes",
              magic[0], magic[1], magic[2], magic[3]));
    }
    int type = magic[2] & 0xff;
    if (type != TYPE_UNSIGNED_BYTE) {
      throw malformed(
          file,
          String.format(
              "holds IDX type 0x%02X (%s); images and labels must be unsigned bytes (0x08)",
              type, typeName(type)));
    }
    int rank = magic[3] & 0xff;
    if (rank == 0) {
      throw malformed(file, "declares 0 dimensions; an IDX file needs at least one");
    }
    int[] dims = new int[rank];
    long total = 1;
    for (int i = 0; i < rank; i++) {
      try {
        dims[i] = in.readInt();
      } catch (EOFException e) {
        throw malformed(file, "ends inside its header (" + rank + " dimensions declared)");
      }
      if (dims[i] <= 0) {
        throw malformed(file, "declares dimension " + i + " as " + dims[i] + "; sizes must be > 0");
      }
      total *= dims[i];
      if (total > MAX_DATA_BYTES) {
        throw malformed(
            file, "declares more than " + MAX_DATA_BYTES + " bytes of data; too large to read");
      }
    }
    byte[] data = in.readNBytes((int) total);
    if (data.length < total) {
      throw malformed(
          file,
          "is truncated: its header declares "
              + shape(dims)
              + " = "
              + total
              + " data bytes, the file holds "
              + data.length);
    }
    if (in.read() != -1) {
      throw malformed(
          file,
          "has bytes after the " + total + " data bytes its header declares (" + shape(dims) + ")");
    }
    return new IdxFile(file, dims, data);
  }

  /** The file this was read from. */
  public Path path() {
    return path;
  }

  /** The sizes of the dimensions, outermost first. */
  public int[] dims() {
    return dims.clone();
  }

  /** Size of dimension {@code i}. */
  public int dim(int i) {
    return dims[i];
  }

  /** Number of dimensions. */
  public int rank() {
    return dims.length;
  }

  /** Data byte {@code i} as an unsigned value. */
  public int unsignedByte(int i) {
    return data[i] & 0xff;
  }

  /** A copy of {@code length} data bytes from {@code offset}. */
  public byte[] slice(int offset, int length) {
    return Arrays.copyOfRange(data, offset, offset + length);
  }

  /** e.g. {@code 60000x28x28}. */
  static String shape(int[] dims) {
    StringBuilder s = new StringBuilder();
    for (int d : dims) {
      s.append(s.isEmpty() ? "" : "x").append(d);
    }
    return s.toString();
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x09 -> "signed byte";
      case 0x0B -> "short";
      case 0x0C -> "int";
      case 0x0D -> "float";
      case 0x0E -> "double";
      default -> "not an IDX type";
    };
  }

  private static MalformedDatasetException malformed(Path file, String what) {
    return new MalformedDatasetException(file + " " + what);
  }
}
