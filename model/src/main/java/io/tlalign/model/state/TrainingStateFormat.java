package io.tlalign.model.state;

import io.tlalign.schemas.framing.ChunkWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

/**
 * The checkpoint encoding of a {@link TrainingState}: versioned, length-prefixed and checksummed,
 * so that a restore either gets back exactly the state that was written or refuses with a {@link
 * CorruptTrainingStateException} that says what failed.
 *
 * <h2>Layout, format version 1</h2>
 *
 * <p>All integers and floats are <b>little-endian</b>. A {@code string} is an int32 byte count (at
 * most {@value #MAX_STRING_BYTES}) followed by that many bytes of UTF-8.
 *
 * <pre>
 * offset   size  field
 * 0        4     magic, ASCII "TLAS" (54 4C 41 53)
 * 4        4     int32  format version = 1
 * 8        8     int64  L: total length of the encoding in bytes, this prefix and the trailer included
 * 16       4     int32  H: header length in bytes (at most {@value #MAX_HEADER_BYTES})
 * 20       H     header:
 *                  string  preset
 *                  int64   step
 *                  int64   refused steps
 *                  int64   optimizer step count
 *                  int32   R, then R bytes: RNG state
 *                  int32   K, then K x (string key, string value): metadata, sorted by key
 *                  int32   P, then P x tensor descriptor: the parameters, in order
 *                  int32   M, then M x tensor descriptor: the moments' names and shapes, in order
 *                          (first and second moments share them)
 *                tensor descriptor: string name, int32 rank (0..{@value #MAX_RANK}), rank x int64 dims
 * 20+H     4     int32  CRC32C of bytes [0, 20+H): the prefix and header
 * 24+H     D     tensor data, float32 raw IEEE-754 bits (NaN payloads and -0.0 kept), row-major:
 *                the P parameters, then the M first moments, then the M second moments;
 *                D = 4 x (sum of parameter elements + 2 x sum of moment elements)
 * L-32     32    SHA-256 of bytes [0, L-32)
 * </pre>
 *
 * <p>So {@code L = 24 + H + D + 32}. The header is verified (its CRC32C, then every size in it
 * against L) before any tensor is allocated, so a corrupted length or shape never triggers a large
 * allocation; the SHA-256 covers everything else. A reader returns only after it has verified all
 * of it. Truncation is recognised as such because L is declared up front.
 *
 * <p>Writing and reading stream ({@link #writeTo}, {@link #readFrom}), so a large state is never
 * held twice in memory; {@link #toChunks} and {@link #fromChunks} do the same through {@link
 * StateChunks} for Flink state, where the encoding travels as the payload of chunk frames.
 *
 * <h2>Versions</h2>
 *
 * <p>Every version starts with the same 20-byte prefix (magic, version, length, header length); the
 * reader checks the version against {@link #READABLE_VERSIONS} and dispatches to that version's
 * reader, so a second version is read next to the first rather than instead of it.
 */
public final class TrainingStateFormat {

  /** The first four bytes of every encoding: ASCII "TLAS". */
  public static final int MAGIC = 0x53414C54; // "TLAS" read as a little-endian int32

  /** The format version this build writes. */
  public static final int VERSION = 1;

  /**
   * The format versions this build reads; {@link #readFrom} dispatches on the version. A new
   * version keeps the 20-byte prefix (magic, version, length, header length), joins this set and
   * gets its own reader next to {@code readVersion1}.
   */
  public static final SortedSet<Integer> READABLE_VERSIONS =
      Collections.unmodifiableSortedSet(new TreeSet<>(Set.of(1)));

  /** The largest header accepted: ample for thousands of parameters and a large RNG state. */
  public static final int MAX_HEADER_BYTES = 16 << 20;

  /** The longest string (preset, name, metadata key or value) accepted, in UTF-8 bytes. */
  public static final int MAX_STRING_BYTES = 64 << 10;

  /** The highest tensor rank accepted. */
  public static final int MAX_RANK = 16;

  static final int PREFIX_BYTES = 20;
  static final int CRC_BYTES = 4;
  static final int TRAILER_BYTES = 32;
  static final int OVERHEAD_BYTES = PREFIX_BYTES + CRC_BYTES + TRAILER_BYTES;
  private static final int IO_BUFFER_BYTES = 64 << 10;
  private static final int BLOCK_FLOATS = 1 << 20;
  private static final int MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8;

  private TrainingStateFormat() {}

  // ---------------------------------------------------------------------------------- writing

  /** The length in bytes of the encoding of {@code state}. */
  public static long serializedSize(TrainingState state) {
    return OVERHEAD_BYTES + header(state).length + dataBytes(state);
  }

  /**
   * The encoding of {@code state} as one array.
   *
   * @throws IllegalStateException if the encoding exceeds a Java array (about 2 GiB); use {@link
   *     #writeTo} or {@link #toChunks} for such a state
   */
  public static byte[] toBytes(TrainingState state) {
    byte[] header = header(state);
    long length = OVERHEAD_BYTES + header.length + dataBytes(state);
    if (length > MAX_ARRAY_BYTES) {
      throw new IllegalStateException(
          "training state encodes to "
              + length
              + " bytes, more than one Java array holds; use writeTo(OutputStream) or toChunks");
    }
    FixedArrayOutputStream out = new FixedArrayOutputStream((int) length);
    try {
      write(state, header, out);
    } catch (IOException e) {
      throw new IllegalStateException("writing to a byte array cannot fail", e);
    }
    return out.array();
  }

  /**
   * Writes the encoding of {@code state} to {@code out}, streaming the tensor data through a small
   * buffer. Flushes {@code out} but does not close it.
   */
  public static void writeTo(TrainingState state, OutputStream out) throws IOException {
    write(state, header(state), out);
  }

  /**
   * The encoding of {@code state} cut into chunks of at most {@code maxChunkBytes} each (see {@link
   * StateChunks}), written directly into the chunks, without a whole-state array in between.
   */
  public static List<byte[]> toChunks(TrainingState state, int maxChunkBytes) {
    byte[] header = header(state);
    long length = OVERHEAD_BYTES + header.length + dataBytes(state);
    ChunkWriter out = StateChunks.writer(length, maxChunkBytes);
    try {
      write(state, header, out);
      out.close();
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory cannot fail", e);
    }
    return out.frames();
  }

  private static void write(TrainingState state, byte[] header, OutputStream out)
      throws IOException {
    MessageDigest sha = sha256();
    long length = OVERHEAD_BYTES + header.length + dataBytes(state);
    ByteBuffer prefix = le(PREFIX_BYTES);
    prefix.putInt(MAGIC).putInt(VERSION).putLong(length).putInt(header.length);
    CRC32C crc = new CRC32C();
    crc.update(prefix.array());
    crc.update(header);
    ByteBuffer crcBytes = le(CRC_BYTES).putInt((int) crc.getValue());

    writeDigested(out, sha, prefix.array(), PREFIX_BYTES);
    writeDigested(out, sha, header, header.length);
    writeDigested(out, sha, crcBytes.array(), CRC_BYTES);

    ByteBuffer buffer = le(IO_BUFFER_BYTES);
    for (NamedTensor t : state.parameters()) {
      writeFloats(out, sha, buffer, t.data());
    }
    for (NamedTensor t : state.firstMoments()) {
      writeFloats(out, sha, buffer, t.data());
    }
    for (NamedTensor t : state.secondMoments()) {
      writeFloats(out, sha, buffer, t.data());
    }
    out.write(sha.digest());
    out.flush();
  }

  private static void writeFloats(OutputStream out, MessageDigest sha, ByteBuffer buffer, float[] d)
      throws IOException {
    FloatBuffer floats = buffer.clear().asFloatBuffer();
    int perBuffer = floats.capacity();
    for (int off = 0; off < d.length; off += perBuffer) {
      int n = Math.min(perBuffer, d.length - off);
      floats.clear();
      floats.put(d, off, n);
      writeDigested(out, sha, buffer.array(), n * Float.BYTES);
    }
  }

  private static void writeDigested(OutputStream out, MessageDigest sha, byte[] b, int len)
      throws IOException {
    sha.update(b, 0, len);
    out.write(b, 0, len);
  }

  private static long dataBytes(TrainingState state) {
    long elements = 0;
    for (NamedTensor t : state.parameters()) {
      elements += t.size();
    }
    for (NamedTensor t : state.firstMoments()) {
      elements += 2L * t.size();
    }
    return elements * Float.BYTES;
  }

  private static byte[] header(TrainingState state) {
    ByteArrayOutputStream h = new ByteArrayOutputStream(256);
    putString(h, state.preset(), "preset");
    putLong(h, state.step());
    putLong(h, state.refusedSteps());
    putLong(h, state.optimizerStepCount());
    byte[] rng = state.rngState();
    putInt(h, rng.length);
    h.writeBytes(rng);
    putInt(h, state.metadata().size());
    for (Map.Entry<String, String> e : state.metadata().entrySet()) {
      putString(h, e.getKey(), "metadata key");
      putString(h, e.getValue(), "metadata value for " + e.getKey());
    }
    putInt(h, state.parameters().size());
    for (NamedTensor t : state.parameters()) {
      putDescriptor(h, t);
    }
    putInt(h, state.firstMoments().size());
    for (NamedTensor t : state.firstMoments()) {
      putDescriptor(h, t);
    }
    if (h.size() > MAX_HEADER_BYTES) {
      throw new IllegalStateException(
          "training state header would be "
              + h.size()
              + " bytes, over the "
              + MAX_HEADER_BYTES
              + "-byte limit readers accept; keep the RNG state and metadata small");
    }
    return h.toByteArray();
  }

  private static void putDescriptor(ByteArrayOutputStream h, NamedTensor t) {
    putString(h, t.name(), "tensor name");
    if (t.rank() > MAX_RANK) {
      throw new IllegalStateException(
          "tensor " + t + " has rank " + t.rank() + ", over the format's limit of " + MAX_RANK);
    }
    putInt(h, t.rank());
    for (long d : t.shape()) {
      putLong(h, d);
    }
  }

  private static void putString(ByteArrayOutputStream h, String s, String what) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING_BYTES) {
      throw new IllegalStateException(
          what + " is " + b.length + " UTF-8 bytes, over the limit of " + MAX_STRING_BYTES);
    }
    putInt(h, b.length);
    h.writeBytes(b);
  }

  private static void putInt(ByteArrayOutputStream h, int v) {
    h.writeBytes(le(Integer.BYTES).putInt(v).array());
  }

  private static void putLong(ByteArrayOutputStream h, long v) {
    h.writeBytes(le(Long.BYTES).putLong(v).array());
  }

  // ---------------------------------------------------------------------------------- reading

  /**
   * Decodes {@code bytes}, which must be exactly one encoding, after verifying all of it: magic,
   * version, declared length against the array's length, header checksum and sizes, SHA-256.
   *
   * @throws CorruptTrainingStateException naming what failed
   */
  public static TrainingState fromBytes(byte[] bytes) throws CorruptTrainingStateException {
    if (bytes.length < PREFIX_BYTES) {
      checkMagicAndVersion(bytes, bytes.length);
      throw truncated(
          "got "
              + bytes.length
              + " bytes, fewer than the "
              + PREFIX_BYTES
              + "-byte prefix that declares the length");
    }
    Prefix prefix = Prefix.parse(bytes);
    if (prefix.length > bytes.length) {
      throw truncated("header declares " + prefix.length + " bytes, got " + bytes.length);
    }
    if (prefix.length < bytes.length) {
      throw new CorruptTrainingStateException(
          "training state has "
              + bytes.length
              + " bytes but its header declares "
              + prefix.length
              + "; "
              + (bytes.length - prefix.length)
              + " unexpected trailing bytes (two states joined, or a corrupted length field)");
    }
    try {
      return read(new ByteArrayInputStream(bytes));
    } catch (CorruptTrainingStateException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading a byte array cannot fail", e);
    }
  }

  /**
   * Reads exactly one encoding from {@code in} (and not a byte further), verifying all of it before
   * returning. The header is verified before any tensor is allocated; the SHA-256 trailer is
   * checked after the data has streamed through it.
   *
   * @throws CorruptTrainingStateException naming what failed, including a stream that ends early
   * @throws IOException if {@code in} fails
   */
  public static TrainingState readFrom(InputStream in) throws IOException {
    return read(in);
  }

  /**
   * Joins chunks made by {@link #toChunks} (see {@link StateChunks}) and decodes the state, without
   * copying the chunks into one array first.
   *
   * @throws CorruptTrainingStateException if a chunk is missing, altered, or the state is corrupt
   */
  public static TrainingState fromChunks(List<byte[]> chunks) throws CorruptTrainingStateException {
    try (InputStream in = StateChunks.open(chunks)) {
      TrainingState state = read(in);
      long extra = in.transferTo(OutputStream.nullOutputStream());
      if (extra > 0) {
        throw new CorruptTrainingStateException(
            "training state chunks hold "
                + extra
                + " bytes more than the state they encode declares; the chunks are not from one"
                + " state");
      }
      return state;
    } catch (CorruptTrainingStateException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("reading chunks in memory cannot fail", e);
    }
  }

  /** Reads the prefix that every version starts with, then the rest as that version lays it out. */
  private static TrainingState read(InputStream in) throws IOException {
    Source src = new Source(in, sha256());
    byte[] prefixBytes = new byte[PREFIX_BYTES];
    int got = src.readUpTo(prefixBytes, 0, PREFIX_BYTES);
    if (got < PREFIX_BYTES) {
      checkMagicAndVersion(prefixBytes, got);
      throw truncated(
          "the stream ended after "
              + got
              + " bytes, inside the "
              + PREFIX_BYTES
              + "-byte prefix that declares the length");
    }
    Prefix prefix = Prefix.parse(prefixBytes);
    src.declaredLength = prefix.length;
    return switch (prefix.version) {
      case 1 -> readVersion1(src, prefixBytes, prefix);
      default -> throw unsupported(prefix.version); // Prefix.parse admits only READABLE_VERSIONS
    };
  }

  /** Version 1 after its prefix: header, header CRC32C, tensor data, SHA-256 trailer. */
  private static TrainingState readVersion1(Source src, byte[] prefixBytes, Prefix prefix)
      throws IOException {
    byte[] header = new byte[prefix.headerLength];
    src.readFully(header);
    byte[] crcBytes = new byte[CRC_BYTES];
    src.readFully(crcBytes);
    checkHeaderCrc(concat(prefixBytes, header), PREFIX_BYTES + header.length, le(crcBytes));
    Header h = Header.parse(header);
    long dataBytes = h.dataBytes();
    long expected = OVERHEAD_BYTES + (long) header.length + dataBytes;
    if (expected != prefix.length) {
      throw new CorruptTrainingStateException(
          "training state header describes "
              + dataBytes
              + " bytes of tensor data, which makes "
              + expected
              + " bytes in all, but the prefix declares "
              + prefix.length
              + "; the header does not belong to this state");
    }

    byte[] buffer = new byte[IO_BUFFER_BYTES];
    List<NamedTensor> parameters = readTensors(src, buffer, h.parameters);
    List<NamedTensor> first = readTensors(src, buffer, h.moments);
    List<NamedTensor> second = readTensors(src, buffer, h.moments);
    byte[] computed = src.digest.digest();
    byte[] stored = new byte[TRAILER_BYTES];
    src.readFully(stored);
    checkDigest(stored, computed);
    try {
      return new TrainingState(
          h.preset,
          h.step,
          h.refusedSteps,
          h.rngState,
          parameters,
          new OptimizerState(h.optimizerStepCount, first, second),
          new TreeMap<>(h.metadata));
    } catch (IllegalArgumentException e) {
      throw new CorruptTrainingStateException(
          "training state is intact but inconsistent: " + e.getMessage(), e);
    }
  }

  private static List<NamedTensor> readTensors(
      Source src, byte[] buffer, List<Descriptor> descriptors) throws IOException {
    List<NamedTensor> tensors = new ArrayList<>(descriptors.size());
    for (Descriptor d : descriptors) {
      tensors.add(new NamedTensor(d.name, d.shape, readFloats(src, buffer, (int) d.elements)));
    }
    return tensors;
  }

  /**
   * Reads {@code count} floats. A large tensor is read in blocks first and assembled once all of it
   * has arrived, so that a header claiming more data than the stream holds costs at most the bytes
   * that did arrive, never an allocation of the claimed size.
   */
  private static float[] readFloats(Source src, byte[] buffer, int count) throws IOException {
    if (count <= BLOCK_FLOATS) {
      float[] data = new float[count];
      readInto(src, buffer, data);
      return data;
    }
    List<float[]> blocks = new ArrayList<>();
    for (int left = count; left > 0; left -= BLOCK_FLOATS) {
      float[] block = new float[Math.min(BLOCK_FLOATS, left)];
      readInto(src, buffer, block);
      blocks.add(block);
    }
    float[] data = new float[count];
    int at = 0;
    for (float[] block : blocks) {
      System.arraycopy(block, 0, data, at, block.length);
      at += block.length;
    }
    return data;
  }

  private static void readInto(Source src, byte[] buffer, float[] data) throws IOException {
    FloatBuffer view = ByteBuffer.wrap(buffer).order(LE).asFloatBuffer();
    for (int off = 0; off < data.length; ) {
      int n = Math.min(view.capacity(), data.length - off);
      src.readFully(buffer, 0, n * Float.BYTES);
      view.clear();
      view.get(data, off, n);
      off += n;
    }
  }

  private static void checkMagicAndVersion(byte[] b, int available)
      throws CorruptTrainingStateException {
    if (available >= 4) {
      int magic = ByteBuffer.wrap(b, 0, 4).order(LE).getInt();
      if (magic != MAGIC) {
        throw new CorruptTrainingStateException(
            "not a training state: the first bytes are "
                + HexFormat.ofDelimiter(" ").formatHex(b, 0, 4)
                + ", expected the magic 'TLAS' (54 4c 41 53)");
      }
    }
    if (available >= 8) {
      int version = ByteBuffer.wrap(b, 4, 4).order(LE).getInt();
      if (!READABLE_VERSIONS.contains(version)) {
        throw unsupported(version);
      }
    }
  }

  private static CorruptTrainingStateException unsupported(int version) {
    return new CorruptTrainingStateException(
        "unsupported training state format version "
            + version
            + "; this build reads version"
            + (READABLE_VERSIONS.size() > 1 ? "s " : " ")
            + READABLE_VERSIONS.stream().map(String::valueOf).collect(Collectors.joining(", "))
            + (version > VERSION ? " (the state was written by a newer build)" : ""));
  }

  private static void checkHeaderCrc(byte[] bytes, int crcAt, int stored)
      throws CorruptTrainingStateException {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, crcAt);
    int computed = (int) crc.getValue();
    if (computed != stored) {
      throw new CorruptTrainingStateException(
          "training state header checksum mismatch: stored crc32c "
              + String.format("%08x", stored)
              + ", computed "
              + String.format("%08x", computed)
              + "; the prefix or header bytes were altered");
    }
  }

  private static void checkDigest(byte[] stored, byte[] computed)
      throws CorruptTrainingStateException {
    if (!MessageDigest.isEqual(stored, computed)) {
      HexFormat hex = HexFormat.of();
      throw new CorruptTrainingStateException(
          "training state checksum mismatch: stored sha-256 "
              + hex.formatHex(stored)
              + ", computed "
              + hex.formatHex(computed)
              + "; the bytes were altered");
    }
  }

  private static CorruptTrainingStateException truncated(String detail) {
    return new CorruptTrainingStateException("training state is truncated: " + detail);
  }

  private static CorruptTrainingStateException malformed(String detail) {
    return new CorruptTrainingStateException("training state header is malformed: " + detail);
  }

  // ---------------------------------------------------------------------------------- parts

  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

  private static ByteBuffer le(int capacity) {
    return ByteBuffer.allocate(capacity).order(LE);
  }

  private static int le(byte[] four) {
    return ByteBuffer.wrap(four).order(LE).getInt();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  /** The fixed 20-byte prefix, checked for magic, version and plausible lengths. */
  private record Prefix(int version, long length, int headerLength) {

    static Prefix parse(byte[] b) throws CorruptTrainingStateException {
      checkMagicAndVersion(b, PREFIX_BYTES);
      ByteBuffer buf = ByteBuffer.wrap(b, 0, PREFIX_BYTES).order(LE);
      int version = buf.getInt(4);
      long length = buf.getLong(8);
      int headerLength = buf.getInt(16);
      if (length < OVERHEAD_BYTES) {
        throw new CorruptTrainingStateException(
            "training state declares a length of "
                + length
                + " bytes, less than the "
                + OVERHEAD_BYTES
                + " bytes of prefix, checksums and trailer alone; the length field is corrupt");
      }
      if (headerLength < 0
          || headerLength > MAX_HEADER_BYTES
          || headerLength > length - OVERHEAD_BYTES) {
        throw new CorruptTrainingStateException(
            "training state declares a header of "
                + headerLength
                + " bytes, outside 0.."
                + Math.min(MAX_HEADER_BYTES, length - OVERHEAD_BYTES)
                + " for a declared length of "
                + length
                + " bytes; the length fields are corrupt");
      }
      return new Prefix(version, length, headerLength);
    }
  }

  private record Descriptor(String name, long[] shape, long elements) {}

  /** The parsed header: every count and size checked against the bytes that remain. */
  private record Header(
      String preset,
      long step,
      long refusedSteps,
      long optimizerStepCount,
      byte[] rngState,
      Map<String, String> metadata,
      List<Descriptor> parameters,
      List<Descriptor> moments) {

    static Header parse(byte[] bytes) throws CorruptTrainingStateException {
      ByteBuffer b = ByteBuffer.wrap(bytes).order(LE);
      String preset = string(b, "preset");
      long step = int64(b, "step");
      long refused = int64(b, "refused steps");
      long optimizerSteps = int64(b, "optimizer step count");
      int rngLength = count(b, 1, "RNG state length");
      byte[] rng = new byte[rngLength];
      b.get(rng);
      int entries = count(b, 2 * Integer.BYTES, "metadata entry count");
      Map<String, String> metadata = new LinkedHashMap<>();
      for (int i = 0; i < entries; i++) {
        String key = string(b, "metadata key");
        if (metadata.put(key, string(b, "metadata value")) != null) {
          throw malformed("metadata key '" + key + "' appears twice");
        }
      }
      List<Descriptor> parameters = descriptors(b, "parameter");
      List<Descriptor> moments = descriptors(b, "moment");
      if (b.hasRemaining()) {
        throw malformed(b.remaining() + " unread bytes after the last moment descriptor");
      }
      return new Header(preset, step, refused, optimizerSteps, rng, metadata, parameters, moments);
    }

    long dataBytes() {
      long elements = 0;
      for (Descriptor d : parameters) {
        elements += d.elements;
      }
      for (Descriptor d : moments) {
        elements += 2 * d.elements;
      }
      return elements * Float.BYTES;
    }

    private static List<Descriptor> descriptors(ByteBuffer b, String what)
        throws CorruptTrainingStateException {
      // A descriptor is at least an empty name's length and a rank: 8 bytes.
      int n = count(b, 2 * Integer.BYTES, what + " count");
      List<Descriptor> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String name = string(b, what + " " + i + " name");
        int rank = int32(b, what + " '" + name + "' rank");
        if (rank < 0 || rank > MAX_RANK) {
          throw malformed(what + " '" + name + "' has rank " + rank + ", outside 0.." + MAX_RANK);
        }
        need(b, (long) rank * Long.BYTES, what + " '" + name + "' shape");
        long[] shape = new long[rank];
        for (int k = 0; k < rank; k++) {
          shape[k] = b.getLong();
        }
        long elements;
        try {
          elements = NamedTensor.elementCount(shape);
        } catch (IllegalArgumentException e) {
          throw malformed(what + " '" + name + "': " + e.getMessage());
        }
        list.add(new Descriptor(name, shape, elements));
      }
      return list;
    }

    private static String string(ByteBuffer b, String what) throws CorruptTrainingStateException {
      int n = int32(b, what + " length");
      if (n < 0 || n > MAX_STRING_BYTES) {
        throw malformed(what + " length " + n + " is outside 0.." + MAX_STRING_BYTES);
      }
      need(b, n, what);
      ByteBuffer slice = b.slice(b.position(), n);
      b.position(b.position() + n);
      try {
        CharBuffer chars =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(slice);
        return chars.toString();
      } catch (CharacterCodingException e) {
        throw malformed(what + " is not valid UTF-8");
      }
    }

    /** Reads a count of items of at least {@code minItemBytes} each that must fit what remains. */
    private static int count(ByteBuffer b, int minItemBytes, String what)
        throws CorruptTrainingStateException {
      int n = int32(b, what);
      if (n < 0 || (long) n * minItemBytes > b.remaining()) {
        throw malformed(
            what + " " + n + " does not fit the " + b.remaining() + " header bytes left");
      }
      return n;
    }

    private static int int32(ByteBuffer b, String what) throws CorruptTrainingStateException {
      need(b, Integer.BYTES, what);
      return b.getInt();
    }

    private static long int64(ByteBuffer b, String what) throws CorruptTrainingStateException {
      need(b, Long.BYTES, what);
      return b.getLong();
    }

    private static void need(ByteBuffer b, long n, String what)
        throws CorruptTrainingStateException {
      if (b.remaining() < n) {
        throw malformed(
            "the header ends inside the " + what + " (" + b.remaining() + " bytes left)");
      }
    }
  }

  /** Reads exactly what is asked for, counting bytes and feeding the digest. */
  private static final class Source {
    private final InputStream in;
    private final MessageDigest digest;
    private long consumed;
    private long declaredLength = -1;

    Source(InputStream in, MessageDigest digest) {
      this.in = in;
      this.digest = digest;
    }

    int readUpTo(byte[] b, int off, int len) throws IOException {
      int n = in.readNBytes(b, off, len);
      digest.update(b, off, n);
      consumed += n;
      return n;
    }

    void readFully(byte[] b) throws IOException {
      readFully(b, 0, b.length);
    }

    void readFully(byte[] b, int off, int len) throws IOException {
      if (readUpTo(b, off, len) < len) {
        throw truncated("header declares " + declaredLength + " bytes, got " + consumed);
      }
    }
  }

  /** An output stream into an array of exactly known size: no growth, no copy at the end. */
  private static final class FixedArrayOutputStream extends OutputStream {
    private final byte[] array;
    private int position;

    FixedArrayOutputStream(int size) {
      this.array = new byte[size];
    }

    @Override
    public void write(int b) {
      array[position++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      System.arraycopy(b, off, array, position, len);
      position += len;
    }

    byte[] array() {
      if (position != array.length) {
        throw new IllegalStateException(
            "wrote " + position + " bytes into an encoding of " + array.length);
      }
      return array;
    }
  }
}
