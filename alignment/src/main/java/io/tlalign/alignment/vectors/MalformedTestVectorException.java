package io.tlalign.alignment.vectors;

/** A test-vector file that cannot be read: the message is one line that names the problem. */
public final class MalformedTestVectorException extends Exception {

  public MalformedTestVectorException(String message) {
    super(message);
  }

  public MalformedTestVectorException(String message, Throwable cause) {
    super(message, cause);
  }
}
