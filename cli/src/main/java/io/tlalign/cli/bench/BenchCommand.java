package io.tlalign.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tlalign bench ...}: performance measurements, one subcommand each, each in its own file. A
 * new benchmark is a {@link BenchRun} subclass registered in {@code subcommands} below.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Performance measurements; see the subcommands.",
    subcommands = {
      BenchStepCommand.class,
      BenchGemmCommand.class,
      BenchPipelineCommand.class,
      BenchSoakCommand.class,
      BenchScaleCommand.class,
      BenchDecodeCommand.class,
      BenchSyncRulesCommand.class
    })
public final class BenchCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Missing subcommand: try 'tlalign bench step' or 'tlalign bench --help'");
  }
}
