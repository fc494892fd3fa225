package io.tlalign.model.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.tlalign.model.state.NamedTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format (Hugging Face, {@code safetensors} 0.x): an 8-byte
 * little-endian header length n, n bytes of JSON {@code {name: {dtype, shape, data_offsets: [begin,
 * end]}, "__metadata__": {string: string}}}, then the tensors' raw little-endian bytes, offsets
 * relative to the end of the header.
 *
 * <p>Reading accepts F32, F16, BF16 and F64 tensors and widens or narrows them to float32 (the
 * model's type); every offset is checked against the data and against the other tensors. Writing
 * emits F32, keys sorted, {@code __metadata__: {"format": "pt"}} plus the given entries, and pads
 * the header with spaces to a multiple of 8 bytes as the reference implementation does.
 */
public final class Safetensors {

  /** A header larger than this is refused (the reference implementation's limit is 100 MB). */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final String METADATA = "__metadata__";

  /**
   * The contents of one file: tensors in the header's order, and the metadata.
   *
   * @param tensors by name, in the order the header lists them
   * @param metadata the {@code __metadata__} entries, empty when there are none
   */
  public record Contents(Map<String, NamedTensor> tensors, SortedMap<String, String> metadata) {}

  private Safetensors() {}

  /** Reads a file; see {@link #fromBytes(byte[], String)}. */
  public static Contents read(Path file) throws IOException {
    return fromBytes(Files.readAllBytes(file), file.toString());
  }

  /**
   * Decodes safetensors bytes.
   *
   * @param source names the bytes in error messages (a path)
   * @throws IOException naming {@code source} and what is wrong, for anything malformed
   */
  public static Contents fromBytes(byte[] bytes, String source) throws IOException {
    if (bytes.length < 8) {
      throw bad(source, "is " + bytes.length + " bytes long, shorter than the 8-byte header size");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = buf.getLong(0);
    if (n < 2 || n > MAX_HEADER_BYTES || n > bytes.length - 8L) {
      throw bad(
          source,
          "declares a "
              + Long.toUnsignedString(n)
              + "-byte header but holds "
              + (bytes.length - 8)
              + " bytes after the size; not a safetensors file, or truncated");
    }
    String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    JsonObject header;
    try {
      JsonElement e = JsonParser.parseString(json);
      if (!e.isJsonObject()) {
        throw bad(source, "has a header that is not a JSON object");
      }
      header = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw bad(source, "has a header that is not valid JSON: " + e.getMessage());
    }
    int dataStart = 8 + (int) n;
    long dataLength = bytes.length - (long) dataStart;
    Map<String, NamedTensor> tensors = new LinkedHashMap<>();
    TreeMap<String, String> metadata = new TreeMap<>();
    long[][] ranges = new long[header.size()][];
    int r = 0;
    for (Map.Entry<String, JsonElement> e : header.entrySet()) {
      String name = e.getKey();
      if (name.equals(METADATA)) {
        if (!e.getValue().isJsonObject()) {
          throw bad(source, "has a __metadata__ that is not an object of strings");
        }
        for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
          if (!m.getValue().isJsonPrimitive()) {
            throw bad(source, "has a __metadata__ value for '" + m.getKey() + "' not a string");
          }
          metadata.put(m.getKey(), m.getValue().getAsString());
        }
        continue;
      }
      TensorEntry t = entry(source, name, e.getValue());
      if (t.begin < 0 || t.end < t.begin || t.end > dataLength) {
        throw bad(
            source,
            "tensor '"
                + name
                + "' has data_offsets ["
                + t.begin
                + ", "
                + t.end
                + "] outside the "
                + dataLength
                + " data bytes");
      }
      long expected = NamedTensor.elementCount(t.shape) * t.dtype.bytes;
      if (t.end - t.begin != expected) {
        throw bad(
            source,
            "tensor '"
                + name
                + "' has "
                + (t.end - t.begin)
                + " data bytes but "
                + t.dtype
                + Arrays.toString(t.shape)
                + " needs "
                + expected);
      }
      ranges[r++] = new long[] {t.begin, t.end};
      tensors.put(
          name, new NamedTensor(name, t.shape, t.dtype.decode(buf, dataStart + t.begin, expected)));
    }
    long[][] used = Arrays.copyOf(ranges, r);
    Arrays.sort(used, (a, b) -> Long.compare(a[0], b[0]));
    for (int i = 1; i < used.length; i++) {
      if (used[i][0] < used[i - 1][1]) {
        throw bad(source, "has tensors whose data_offsets overlap");
      }
    }
    return new Contents(
        Collections.unmodifiableMap(tensors), Collections.unmodifiableSortedMap(metadata));
  }

  /** Writes {@code tensors} (F32, keys sorted) with {@code format: pt} and {@code metadata}. */
  public static void write(Path file, Iterable<NamedTensor> tensors, Map<String, String> metadata)
      throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(toBytes(tensors, metadata));
    }
  }

  /** The encoding of {@code tensors}; see {@link #write}. */
  public static byte[] toBytes(Iterable<NamedTensor> tensors, Map<String, String> metadata) {
    TreeMap<String, NamedTensor> sorted = new TreeMap<>();
    for (NamedTensor t : tensors) {
      if (t.name().equals(METADATA) || sorted.put(t.name(), t) != null) {
        throw new IllegalArgumentException(
            "tensor name '" + t.name() + "' is repeated or reserved; tensor names must be unique");
      }
    }
    JsonObject header = new JsonObject();
    JsonObject meta = new JsonObject();
    TreeMap<String, String> allMeta = new TreeMap<>(metadata);
    allMeta.put("format", "pt");
    allMeta.forEach(meta::addProperty);
    header.add(METADATA, meta);
    long offset = 0;
    for (NamedTensor t : sorted.values()) {
      JsonObject o = new JsonObject();
      o.addProperty("dtype", "F32");
      JsonArray shape = new JsonArray();
      for (long s : t.shape()) {
        shape.add(s);
      }
      o.add("shape", shape);
      JsonArray offsets = new JsonArray();
      offsets.add(offset);
      offset += 4L * t.size();
      offsets.add(offset);
      o.add("data_offsets", offsets);
      header.add(t.name(), o);
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8;
    long total = 8L + padded + offset;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "tensors take " + total + " bytes, more than one file of this writer can hold (2 GB)");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(padded);
    buf.put(json);
    for (int i = json.length; i < padded; i++) {
      buf.put((byte) ' ');
    }
    for (NamedTensor t : sorted.values()) {
      buf.asFloatBuffer().put(t.data(), 0, t.size());
      buf.position(buf.position() + 4 * t.size());
    }
    return buf.array();
  }

  private record TensorEntry(DType dtype, long[] shape, long begin, long end) {}

  private static TensorEntry entry(String source, String name, JsonElement v) throws IOException {
    try {
      JsonObject o = v.getAsJsonObject();
      String dtypeName = o.get("dtype").getAsString();
      DType dtype;
      try {
        dtype = DType.valueOf(dtypeName);
      } catch (IllegalArgumentException e) {
        throw bad(
            source,
            "tensor '"
                + name
                + "' has dtype "
                + dtypeName
                + "; only F32, F16, BF16 and F64 can be read, convert the file to one of them");
      }
      JsonArray s = o.getAsJsonArray("shape");
      long[] shape = new long[s.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = s.get(i).getAsLong();
        if (shape[i] < 0) {
          throw bad(source, "tensor '" + name + "' has a negative dimension");
        }
      }
      JsonArray off = o.getAsJsonArray("data_offsets");
      if (off.size() != 2) {
        throw bad(source, "tensor '" + name + "' has data_offsets without two entries");
      }
      return new TensorEntry(dtype, shape, off.get(0).getAsLong(), off.get(1).getAsLong());
    } catch (IllegalStateException
        | NullPointerException
        | ClassCastException
        | NumberFormatException e) {
      throw bad(
          source,
          "has a malformed entry for tensor '" + name + "' (needs dtype, shape, data_offsets)");
    }
  }

  private static IOException bad(String source, String what) {
    return new IOException("safetensors file " + source + " " + what);
  }

  /** IEEE 754 binary16 to float32 (Java 17 has no {@code Float.float16ToFloat}). */
  static float halfToFloat(short h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f; // subnormal (or zero)
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** The element types this reader accepts, with their width and conversion to float32. */
  private enum DType {
    F32(4),
    F16(2),
    BF16(2),
    F64(8);

    final int bytes;

    DType(int bytes) {
      this.bytes = bytes;
    }

    float[] decode(ByteBuffer buf, long start, long length) {
      int count = Math.toIntExact(length / bytes);
      float[] out = new float[count];
      ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      b.position(Math.toIntExact(start));
      switch (this) {
        case F32 -> b.asFloatBuffer().get(out);
        case F64 -> {
          for (int i = 0; i < count; i++) {
            out[i] = (float) b.getDouble();
          }
        }
        case F16 -> {
          for (int i = 0; i < count; i++) {
            out[i] = halfToFloat(b.getShort());
          }
        }
        case BF16 -> {
          for (int i = 0; i < count; i++) {
            out[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
          }
        }
        default -> throw new AssertionError(this);
      }
      return out;
    }
  }
}
