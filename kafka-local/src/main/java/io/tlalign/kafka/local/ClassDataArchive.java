package io.tlalign.kafka.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A class-data-sharing archive of the broker's classes (JDK dynamic CDS), kept in {@code
 * <lib>/cds/}: loading Kafka's and Scala's classes is most of a broker's start-up time, and a
 * mapped archive saves about 2 s of it.
 *
 * <p>The first broker without an archive runs with {@code -XX:ArchiveClassesAtExit} and writes it
 * as it exits; later brokers (and the format tool) run with {@code -XX:SharedArchiveFile}. The
 * archive's name is a hash of the JDK, the JVM options and the jars (names, sizes, times), so a
 * rebuilt folder or another JDK gets a fresh one; should the JVM still reject an archive, it says
 * so in {@code broker.out} and starts without it.
 */
final class ClassDataArchive {

  private static final ClassDataArchive NONE = new ClassDataArchive(null, false);

  private final Path file;
  private final boolean writable;

  private ClassDataArchive(Path file, boolean writable) {
    this.file = file;
    this.writable = writable;
  }

  static ClassDataArchive none() {
    return NONE;
  }

  static ClassDataArchive forLib(Path lib, List<String> jvmOptions) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      update(sha, System.getProperty("java.home"));
      update(sha, System.getProperty("java.vm.version"));
      jvmOptions.forEach(o -> update(sha, o));
      try (Stream<Path> jars = Files.list(lib)) {
        for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) {
          BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
          update(sha, jar.getFileName() + ":" + a.size() + ":" + a.lastModifiedTime().toMillis());
        }
      }
      String key = HexFormat.of().formatHex(sha.digest(), 0, 8);
      Path cds = lib.resolve("cds");
      return new ClassDataArchive(cds.resolve("broker-" + key + ".jsa"), Files.isWritable(lib));
    } catch (IOException | NoSuchAlgorithmException e) {
      return NONE; // Only a speed-up: without it the broker starts all the same.
    }
  }

  private static void update(MessageDigest sha, String s) {
    sha.update(String.valueOf(s).getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
  }

  /** JVM options that use the archive, when it exists. */
  List<String> useOptions() {
    return file != null && Files.isRegularFile(file)
        ? List.of("-XX:SharedArchiveFile=" + file)
        : List.of();
  }

  /** Starts writing the archive from this JVM run, when there is none and the folder allows. */
  Dump beginDump() {
    if (file == null || !writable || Files.exists(file)) {
      return Dump.NOTHING;
    }
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      return Dump.NOTHING;
    }
    String name =
        file.getFileName() + "." + ProcessHandle.current().pid() + "-" + System.nanoTime();
    return new Dump(file.getParent().resolve(name + ".tmp"), file);
  }

  /** One JVM run writing the archive to a temporary file, moved into place once complete. */
  static final class Dump {

    static final Dump NOTHING = new Dump(null, null);

    private final Path tmp;
    private final Path target;

    private Dump(Path tmp, Path target) {
      this.tmp = tmp;
      this.target = target;
    }

    List<String> options() {
      return tmp == null ? List.of() : List.of("-XX:ArchiveClassesAtExit=" + tmp);
    }

    /** Publishes the archive if the JVM exited cleanly (a killed JVM leaves a partial one). */
    void finish(boolean cleanExit) {
      if (tmp == null) {
        return;
      }
      try {
        if (cleanExit && Files.isRegularFile(tmp) && Files.size(tmp) > 0) {
          try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
          } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
          }
          deleteOthers();
        }
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // Only a speed-up: the next broker tries again.
      }
    }

    /** Archives of older jar folders or JDKs, never to be used again. */
    private void deleteOthers() throws IOException {
      try (Stream<Path> s = Files.list(target.getParent())) {
        for (Path p : s.toList()) {
          String n = p.getFileName().toString();
          if (!p.equals(target) && n.startsWith("broker-") && n.endsWith(".jsa")) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }
}
