package io.tlalign.cli;

import io.tlalign.cli.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: try 'tlalign --help'");
  }

  /** Builds the command line with the project's error handling, so tests can run it in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(new OneLineErrors());
  }

  public static void main(String[] args) {
    LogLevels.quietFrameworkStartupWarnings();
    System.exit(commandLine().execute(args));
  }
}
