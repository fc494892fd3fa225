package io.tlalign.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Where log lines go while a command runs (log4j2, the command line's logging backend). Flink,
 * Kafka, DJL, Netty and Pekko write hundreds of INFO and WARN lines per run that ask nothing of the
 * user: they all go to a log file, and the terminal keeps the command's own output, tlalign's
 * warnings and the BLAS path line. {@code --verbose} (or {@code TLALIGN_VERBOSE=1}) copies every
 * line to the terminal too; {@code TLALIGN_LOG_LEVEL} sets the level (INFO by default).
 *
 * <p>The file is {@code --log-file} when given; otherwise the command's own folder (a demo's or an
 * experiment's run folder, the folder of train's checkpoints) once the command knows it, and {@code
 * ~/.cache/tlalign/logs/<command>.log} before that and for every other command. The file is only
 * created when a line is written.
 */
final class FrameworkLogs implements AutoCloseable {

  /** Set to 1: framework lines on the terminal too, as {@code --verbose}. */
  static final String VERBOSE_ENV = "TLALIGN_VERBOSE";

  /** A log4j level name for every logger, e.g. DEBUG; unset: INFO, with noisy loggers quieted. */
  static final String LEVEL_ENV = "TLALIGN_LOG_LEVEL";

  /** tlalign's own line on every run (see DEVELOPERS.md): it stays on the terminal. */
  private static final String BLAS_LOGGER = "io.tlalign.model.BlasPath";

  /**
   * Noise even in a log file, kept to errors unless {@link #LEVEL_ENV} is set: Flink warns about
   * each metric name registered twice (the Kafka source's client metrics, each transactional sink's
   * committer gauge on every checkpoint: about a hundred lines, then more per checkpoint), about
   * delegation tokens (none are used) and about the web UI's missing log file; DJL probes for a
   * CUDA driver on a CPU machine. When a local job ends, Flink's collect client (example-ml) may
   * ask the stopped cluster for the job status and warn "some data might be lost" with a stack
   * trace; the fit checks that it received exactly one training state, so nothing is lost unseen.
   */
  private static final List<String> QUIETED =
      List.of(
          "org.apache.flink.streaming.api.operators.collect.CollectResultFetcher",
          "org.apache.flink.runtime.metrics.groups",
          "org.apache.flink.metrics.MetricGroup",
          "org.apache.flink.runtime.security.token.DefaultDelegationTokenManager",
          "org.apache.flink.runtime.webmonitor.WebMonitorUtils",
          "ai.djl.util.cuda.CudaUtils");

  private static FrameworkLogs active;

  private final String command;
  private final boolean explicitFile;
  private final boolean verbose;
  private final boolean restoreOnClose;
  private Path file;

  private FrameworkLogs(
      String command, Path file, boolean explicitFile, boolean verbose, boolean restoreOnClose) {
    this.command = command;
    this.file = file;
    this.explicitFile = explicitFile;
    this.verbose = verbose;
    this.restoreOnClose = restoreOnClose;
  }

  /**
   * Sends the log to {@code logFile} (or the default file of {@code command} when null) until the
   * command moves it to its own folder.
   *
   * @param restoreOnClose whether {@link #close()} puts back the configuration found on the
   *     classpath (a command run in-process); a JVM that exits keeps the file to the end, so that
   *     the lines of shutdown hooks stay off the terminal too
   */
  static FrameworkLogs start(
      String command, Path logFile, boolean verbose, boolean restoreOnClose) {
    boolean verboseEnv = "1".equals(System.getenv(VERBOSE_ENV));
    FrameworkLogs logs =
        new FrameworkLogs(
            command,
            logFile != null ? logFile.toAbsolutePath() : defaultFile(command),
            logFile != null,
            verbose || verboseEnv,
            restoreOnClose);
    logs.apply();
    active = logs;
    return logs;
  }

  /**
   * The command's own folder is known: the log goes to {@code folder/<command>.log} from now on,
   * unless {@code --log-file} named a file. Does nothing when no command set the logs up (a command
   * object called directly).
   */
  static void moveTo(Path folder) {
    FrameworkLogs logs = active;
    if (logs == null || logs.explicitFile) {
      return;
    }
    Path next = folder.toAbsolutePath().resolve(logs.command + ".log");
    if (!next.equals(logs.file)) {
      logs.file = next;
      logs.apply();
    }
  }

  /** The file that takes the framework lines now, if a command set the logs up. */
  static Optional<Path> file() {
    FrameworkLogs logs = active;
    return logs == null ? Optional.empty() : Optional.of(logs.file);
  }

  /** {@code ${XDG_CACHE_HOME:-~/.cache}/tlalign/logs/<command>.log}. */
  static Path defaultFile(String command) {
    String cache = System.getenv("XDG_CACHE_HOME");
    Path base =
        cache != null && !cache.isBlank()
            ? Path.of(cache)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("tlalign").resolve("logs").resolve(command + ".log").toAbsolutePath();
  }

  @Override
  public void close() {
    if (active == this) {
      active = null;
    }
    if (restoreOnClose) {
      ((LoggerContext) LogManager.getContext(false)).reconfigure();
    }
  }

  private void apply() {
    boolean toFile = canWrite(file);
    String levelName = System.getenv(LEVEL_ENV);
    Level level = Level.toLevel(levelName, Level.INFO);
    ConfigurationBuilder<BuiltConfiguration> b =
        ConfigurationBuilderFactory.newConfigurationBuilder();
    b.setConfigurationName("tlalign-" + command);
    b.setStatusLevel(Level.ERROR);
    b.add(
        b.newAppender("Console", "Console")
            .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
            .add(
                b.newLayout("PatternLayout")
                    .addAttribute("pattern", "%d{HH:mm:ss.SSS} %-5level %c{1} - %msg%n")));
    if (toFile) {
      b.add(
          b.newAppender("File", "File")
              .addAttribute("fileName", file.toString())
              .addAttribute("append", true)
              .addAttribute("createOnDemand", true)
              .add(
                  b.newLayout("PatternLayout")
                      .addAttribute(
                          "pattern", "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%t] %c - %msg%n")));
    }
    // Without a writable file the framework lines stay on the terminal rather than vanish.
    String main = toFile ? "File" : "Console";
    var root = b.newRootLogger(level).add(b.newAppenderRef(main));
    if (verbose && toFile) {
      root.add(b.newAppenderRef("Console"));
    }
    b.add(root);
    if (!verbose && toFile) {
      // tlalign's own warnings reach the terminal as well as the file.
      b.add(
          b.newLogger("io.tlalign", level)
              .add(b.newAppenderRef("Console").addAttribute("level", Level.WARN)));
    }
    if (toFile) {
      b.add(
          b.newLogger(BLAS_LOGGER, Level.INFO)
              .addAttribute("additivity", false)
              .add(b.newAppenderRef("File"))
              .add(b.newAppenderRef("Console")));
    }
    if (levelName == null) {
      for (String name : QUIETED) {
        b.add(b.newLogger(name, Level.ERROR));
      }
    }
    Configurator.reconfigure(b.build());
  }

  private static boolean canWrite(Path file) {
    try {
      Files.createDirectories(file.getParent());
      return Files.isWritable(file.getParent()) && (!Files.exists(file) || Files.isWritable(file));
    } catch (IOException | SecurityException e) {
      return false;
    }
  }
}
