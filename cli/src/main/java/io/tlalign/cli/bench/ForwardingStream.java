package io.tlalign.cli.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Bytes written as UTF-8 text to a writer, passed on at every flush. */
final class ForwardingStream extends ByteArrayOutputStream {
  private final PrintWriter target;

  ForwardingStream(PrintWriter target) {
    this.target = target;
  }

  @Override
  public synchronized void flush() {
    target.write(toString(StandardCharsets.UTF_8));
    target.flush();
    reset();
  }

  @Override
  public void close() {
    flush();
  }
}
