package io.tlalign.schemas.codec;

/**
 * A record that cannot be encoded, e.g. a required field left null.
 *
 * <p>Unchecked, unlike {@link RecordDecodeException}: the record comes from our own code, so a
 * failure is a bug to fix rather than bad input to route somewhere, and Avro's own failures here
 * are a mix of NullPointerException, ClassCastException and AvroRuntimeException that callers
 * should not have to know.
 */
public final class RecordEncodeException extends IllegalArgumentException {

  /**
   * @param message what was wrong with the record
   * @param cause Avro's underlying failure, if any
   */
  public RecordEncodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
