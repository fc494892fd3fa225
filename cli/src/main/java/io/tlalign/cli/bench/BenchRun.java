package io.tlalign.cli.bench;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code bench} subcommand does around its benchmark: builds it from the parsed options
 * (whose own checks refuse a bad value: a usage error, exit 2) and runs it, its lines going to the
 * command's output.
 */
abstract class BenchRun implements Callable<Integer> {

  /** A benchmark ready to run, its options already checked. */
  @FunctionalInterface
  interface Benchmark {
    void run(PrintStream out) throws Exception;
  }

  @Spec CommandSpec spec;

  /**
   * The benchmark of the parsed options. Its options type checks them: an {@link
   * IllegalArgumentException} here names the bad value and the fix.
   */
  abstract Benchmark benchmark();

  @Override
  public final Integer call() throws Exception {
    Benchmark benchmark;
    try {
      benchmark = benchmark();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (PrintStream ps =
        new PrintStream(new ForwardingStream(out), true, StandardCharsets.UTF_8)) {
      benchmark.run(ps);
    }
    out.flush();
    return 0;
  }
}
