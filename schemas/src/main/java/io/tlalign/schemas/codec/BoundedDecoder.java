package io.tlalign.schemas.codec;

import io.tlalign.schemas.codec.RecordDecodeException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro's binary decoder over one in-memory message body, refusing any declared length or item count
 * that the bytes left could not hold.
 *
 * <p>Why: Avro 1.11.4 allocates a string's or bytes value's buffer from its length prefix before
 * reading it, so five random bytes can demand a 2 GiB array. Its only limits are JVM-wide system
 * properties ({@code org.apache.avro.limits.*}) that a library must not set for everyone else in
 * the JVM. The whole message is in memory here, so nothing real can be longer than what remains.
 *
 * <p>It also reports exactly how many bytes are left, which trailing-byte detection needs. Both
 * rely on the unbuffered ("direct") decoder: the stream position is then exactly what Avro
 * consumed, and a length prefix can be peeked with mark/reset.
 *
 * <p>One instance decodes one message on one thread.
 */
final class BoundedDecoder extends Decoder {

  /** Largest array a JVM allocates; a longer declared length is garbage, not a cut message. */
  private static final long MAX_JAVA_ARRAY = Integer.MAX_VALUE - 8;

  private final ByteArrayInputStream in;
  private final BinaryDecoder binary;

  BoundedDecoder(byte[] buffer, int offset, int length) {
    this.in = new ByteArrayInputStream(buffer, offset, length);
    this.binary = DecoderFactory.get().directBinaryDecoder(in, null);
  }

  /** Bytes of the body not consumed yet. */
  int remaining() {
    return in.available();
  }

  /**
   * A declared size the input cannot satisfy, raised before Avro acts on it. An IOException so it
   * passes through Avro's readers, whose methods declare only that.
   */
  static final class DeclaredSizeException extends IOException {
    private final Reason reason;

    DeclaredSizeException(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    Reason reason() {
      return reason;
    }
  }

  private void checkLengthPrefix(String what) throws IOException {
    in.mark(0);
    long declared = binary.readLong();
    int left = in.available();
    in.reset();
    if (declared < 0 || declared > MAX_JAVA_ARRAY) {
      throw new DeclaredSizeException(
          Reason.MALFORMED_BODY, what + " declares an impossible length of " + declared + " bytes");
    }
    if (declared > left) {
      throw new DeclaredSizeException(
          Reason.TRUNCATED,
          what + " declares " + declared + " bytes but only " + left + " bytes remain");
    }
  }

  // An array item or map entry takes at least one byte in every schema of this module (a map key
  // is a string with a length prefix), so a block cannot hold more items than bytes remain. This
  // also bounds the collection Avro pre-sizes from the count. Arrays of zero-byte items (null,
  // empty records) longer than the rest of the message would be rejected; no schema here has one.
  private long checkCount(long count, String what) throws IOException {
    if (count < 0) {
      throw new DeclaredSizeException(
          Reason.MALFORMED_BODY, what + " declares an impossible item count of " + count);
    }
    int left = in.available();
    if (count > left) {
      throw new DeclaredSizeException(
          count > MAX_JAVA_ARRAY ? Reason.MALFORMED_BODY : Reason.TRUNCATED,
          what + " declares " + count + " items but only " + left + " bytes remain");
    }
    return count;
  }

  @Override
  public void readNull() throws IOException {
    binary.readNull();
  }

  @Override
  public boolean readBoolean() throws IOException {
    return binary.readBoolean();
  }

  @Override
  public int readInt() throws IOException {
    return binary.readInt();
  }

  @Override
  public long readLong() throws IOException {
    return binary.readLong();
  }

  @Override
  public float readFloat() throws IOException {
    return binary.readFloat();
  }

  @Override
  public double readDouble() throws IOException {
    return binary.readDouble();
  }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    checkLengthPrefix("a string");
    return binary.readString(old);
  }

  @Override
  public String readString() throws IOException {
    checkLengthPrefix("a string");
    return binary.readString();
  }

  @Override
  public void skipString() throws IOException {
    checkLengthPrefix("a skipped string");
    binary.skipString();
  }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    checkLengthPrefix("a bytes value");
    return binary.readBytes(old);
  }

  @Override
  public void skipBytes() throws IOException {
    checkLengthPrefix("a skipped bytes value");
    binary.skipBytes();
  }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    binary.readFixed(bytes, start, length);
  }

  @Override
  public void skipFixed(int length) throws IOException {
    binary.skipFixed(length);
  }

  @Override
  public int readEnum() throws IOException {
    return binary.readEnum();
  }

  @Override
  public long readArrayStart() throws IOException {
    return checkCount(binary.readArrayStart(), "an array block");
  }

  @Override
  public long arrayNext() throws IOException {
    return checkCount(binary.arrayNext(), "an array block");
  }

  @Override
  public long skipArray() throws IOException {
    return checkCount(binary.skipArray(), "a skipped array block");
  }

  @Override
  public long readMapStart() throws IOException {
    return checkCount(binary.readMapStart(), "a map block");
  }

  @Override
  public long mapNext() throws IOException {
    return checkCount(binary.mapNext(), "a map block");
  }

  @Override
  public long skipMap() throws IOException {
    return checkCount(binary.skipMap(), "a skipped map block");
  }

  @Override
  public int readIndex() throws IOException {
    return binary.readIndex();
  }
}
