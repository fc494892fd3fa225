package io.tlalign.cli;

import io.tlalign.alignment.vectors.ConformanceCheck;
import io.tlalign.alignment.vectors.ConformanceReport;
import io.tlalign.alignment.vectors.MalformedTestVectorException;
import io.tlalign.alignment.vectors.TestVectorReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Recomputes every expected field of TL-Align test vectors with the alignment library and prints
 * each file's largest absolute error. Exit code 0 only when every file passes.
 */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description = {
      "Check TL-Align test vectors (tl-align-testvector/1 JSON files) against the alignment"
          + " library.",
      "Prints one line per file and ends with 'conformance: N passed, M failed, max_abs_err=E'."
    })
final class ConformanceCommand implements Callable<Integer> {

  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "Test-vector files, or folders whose *.json files are test vectors.")
  List<Path> paths;

  @Option(
      names = "--tolerance",
      defaultValue = "1e-9",
      description = "Largest absolute error a passing file may have (default: ${DEFAULT-VALUE}).")
  double tolerance;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!(tolerance >= 0)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--tolerance must be a number >= 0, got " + tolerance + "; try --tolerance 1e-9");
    }
    PrintWriter out = spec.commandLine().getOut();
    List<Path> files = collect();
    int passed = 0;
    int failed = 0;
    double maxErr = 0;
    for (Path f : files) {
      String label = f.getFileName().toString();
      try {
        ConformanceReport r = ConformanceCheck.check(TestVectorReader.read(f));
        double e = r.maxAbsError();
        maxErr = Double.isNaN(e) || Double.isNaN(maxErr) ? Double.NaN : Math.max(maxErr, e);
        if (r.passes(tolerance)) {
          passed++;
          out.printf(Locale.ROOT, "PASS %s max_abs_err=%.3e%n", label, e);
        } else {
          failed++;
          out.printf(
              Locale.ROOT, "FAIL %s max_abs_err=%.3e (worst: %s)%n", label, e, r.worstField());
        }
      } catch (MalformedTestVectorException | RuntimeException e) {
        failed++;
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        out.printf("FAIL %s: %s%n", label, why.lines().findFirst().orElse(why));
      }
    }
    out.printf(
        Locale.ROOT,
        "conformance: %d passed, %d failed, max_abs_err=%.3e%n",
        passed,
        failed,
        maxErr);
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  /** Files as given, and the *.json files of folders, each folder in name order. */
  private List<Path> collect() {
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          List<Path> json =
              s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
          if (json.isEmpty()) {
            throw new CommandLine.ParameterException(
                spec.commandLine(),
                "folder " + p + " holds no *.json test vectors; pass a file or another folder");
          }
          files.addAll(json);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
        }
      } else if (Files.isRegularFile(p)) {
        files.add(p);
      } else {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "no such file or folder: " + p + "; pass test-vector files");
      }
    }
    return files;
  }
}
