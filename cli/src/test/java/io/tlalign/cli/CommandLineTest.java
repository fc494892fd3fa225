package io.tlalign.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** A test of {@code tlalign} run in-process ({@link Main#commandLine}), its output captured. */
public abstract class CommandLineTest {

  /** What the commands printed to standard output, across the test's runs. */
  protected final StringWriter out = new StringWriter();

  /** What the commands printed to standard error (usage errors among it). */
  protected final StringWriter err = new StringWriter();

  /** Runs {@code tlalign args...}; its exit code. */
  protected int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }
}
