package io.tlalign.cli;

import io.tlalign.cli.bench.BenchCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The {@code ./tlalign} command line: one launcher, one subcommand per job. Each subcommand prints
 * {@code --help} and exits non-zero with a message that names the bad value on bad arguments.
 */
@Command(
    name = "tlalign",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Continuous ViT training on Kafka streams with Flink, DJL/PyTorch and TL-Align.",
    subcommands = {
      ConformanceCommand.class,
      BenchCommand.class,
      TrainCommand.class,
      ReplayCommand.class,
      DemoCommand.class,
      BrokerCommand.class,
      ExperimentCommand.class,
      ExampleMlCommand.class,
      ExportCommand.class,
      PredictCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--log-file",
      paramLabel = "FILE",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Where the frameworks' log lines (Flink, Kafka, DJL, ...) go. Default: the run folder"
              + " (demo, experiment), the checkpoint folder (train), else"
              + " ~/.cache/tlalign/logs/<command>.log.")
  Path logFile;

  @Option(
      names = "--verbose",
      scope = CommandLine.ScopeType.INHERIT,
      description =
          "Show the frameworks' log lines on the terminal too (as TLALIGN_VERBOSE=1);"
              + " TLALIGN_LOG_LEVEL=DEBUG|INFO|WARN sets their level.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: try 'tlalign --help'");
  }

  /** Builds the command line with the project's error handling, so tests can run it in-process. */
  public static CommandLine commandLine() {
    return commandLine(true);
  }

  /**
   * @param restoreLogs whether the logging configuration is put back after the command (in-process
   *     runs); a JVM that exits after the command keeps the command's log file to the end
   */
  static CommandLine commandLine(boolean restoreLogs) {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionStrategy(parseResult -> executeWithLogs(parseResult, restoreLogs))
        .setParameterExceptionHandler(new ShortUsageErrors())
        .setExecutionExceptionHandler(new OneLineErrors());
  }

  /** Runs the chosen subcommand with the frameworks' log lines in a file. */
  private static int executeWithLogs(ParseResult parseResult, boolean restoreLogs) {
    ParseResult last = parseResult;
    Path file = parseResult.matchedOptionValue("--log-file", null);
    boolean verbose = parseResult.matchedOptionValue("--verbose", false);
    List<String> names = new ArrayList<>();
    while (last.hasSubcommand()) {
      last = last.subcommand();
      names.add(last.commandSpec().name());
      file = last.matchedOptionValue("--log-file", file);
      verbose |= last.matchedOptionValue("--verbose", false);
    }
    if (last.isUsageHelpRequested() || last.isVersionHelpRequested() || names.isEmpty()) {
      return new CommandLine.RunLast().execute(parseResult);
    }
    try (FrameworkLogs logs =
        FrameworkLogs.start(String.join("-", names), file, verbose, restoreLogs)) {
      return new CommandLine.RunLast().execute(parseResult);
    }
  }

  public static void main(String[] args) {
    System.exit(commandLine(false).execute(args));
  }
}
