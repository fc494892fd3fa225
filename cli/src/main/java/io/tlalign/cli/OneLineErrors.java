package io.tlalign.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception that escapes a subcommand into one line on stderr and exit code 1: a user sees
 * what failed and its root cause, not a stack trace. {@code TLALIGN_DEBUG=1} prints the trace too.
 */
final class OneLineErrors implements IExecutionExceptionHandler {

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine commandLine, ParseResult parseResult) {
    String name = commandLine.getCommandName();
    commandLine.getErr().println(name + ": error: " + RootCause.line(ex));
    if ("1".equals(System.getenv("TLALIGN_DEBUG"))) {
      ex.printStackTrace(commandLine.getErr());
    }
    return 1;
  }
}
