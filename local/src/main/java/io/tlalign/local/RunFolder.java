package io.tlalign.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The folder of one demo or experiment run, {@code <out>/<yyyyMMdd-HHmmss>}, made when the run
 * starts so that its log is there from the first line.
 */
public final class RunFolder {

  private RunFolder() {}

  /** Makes {@code out/<yyyyMMdd-HHmmss>}, with a suffix if that exists already. */
  public static Path create(Path out) throws IOException {
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = out.resolve(stamp);
    for (int i = 2; Files.exists(dir); i++) {
      dir = out.resolve(stamp + "-" + i);
    }
    Files.createDirectories(dir);
    return dir;
  }

  /** Where the run's local Kafka broker writes its log ({@code server.log}). */
  public static Path brokerLogs(Path runDir) {
    return runDir.resolve("broker");
  }
}
