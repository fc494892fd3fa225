package io.tlalign.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Standard error as UTF-8 with autoflush: progress lines and the ± of summaries print whole. */
final class Stderr {

  private Stderr() {}

  static PrintStream open() {
    return new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
  }
}
