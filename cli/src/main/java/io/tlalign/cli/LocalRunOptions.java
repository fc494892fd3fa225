package io.tlalign.cli;

import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.local.RunFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What {@code demo} and {@code experiment} share (a picocli mixin): where run folders go, the
 * PyTorch threads, and the start of a run: its folder, made first so that the frameworks' log is in
 * it from the first line.
 */
final class LocalRunOptions {

  @Option(
      names = "--out",
      defaultValue = "runs",
      description = "Where run folders are written (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(
      names = "--threads",
      description =
          "PyTorch intra-op threads of the training step; fixed for the run, so results repeat"
              + " (default: ${DEFAULT-VALUE}, as every command: 2 threads train 1.4-1.9x faster on"
              + " 2 idle cores but 1.6-4.4x slower than 1 when another process keeps a core busy;"
              + " see BENCHMARKS.md).")
  int threads = TlAlignOptions.INTRA_OP_THREADS.defaultValue();

  /** Refuses a bad value with a message that names it and the fix (picocli exits 2). */
  void check(CommandLine cl) {
    if (threads <= 0) {
      throw new CommandLine.ParameterException(
          cl, "--threads must be > 0, got " + threads + "; try --threads 1");
    }
  }

  /**
   * Makes the run's folder under {@code --out} and sends the frameworks' log there ({@code
   * <command>.log}, unless {@code --log-file} named another file).
   */
  Path startRunFolder() throws IOException {
    System.setProperty("java.awt.headless", "true");
    Path runDir = RunFolder.create(out);
    FrameworkLogs.moveTo(runDir);
    return runDir;
  }

  /** Whether progress lines are redrawn in place. */
  static boolean terminal() {
    return System.console() != null;
  }

  /** The NOTE line of a run that fell back to generated data. */
  static void noteGenerated(PrintWriter stdout, String command, boolean generated) {
    if (generated) {
      stdout.println(command + ": NOTE: trained and tested on GENERATED data, not Fashion-MNIST");
    }
  }
}
