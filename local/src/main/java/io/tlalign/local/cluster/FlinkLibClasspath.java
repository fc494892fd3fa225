package io.tlalign.local.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The classpath of the cluster's JVMs, made from this JVM's: every entry except those whose classes
 * the job jar carries. What remains is what a Flink installation's {@code lib/} holds for this
 * project (Flink, DJL and native PyTorch, logging); the job's own classes, the Kafka connector,
 * kafka-clients and Avro then come from the job jar through Flink's child-first user class loader,
 * as on a real cluster. An entry that stayed on both sides would make the connector (loaded
 * parent-first, as {@code org.apache.flink.*}) and the job see two copies of the Kafka classes.
 */
final class FlinkLibClasspath {

  private FlinkLibClasspath() {}

  /** Entries of {@code classpath} that share no class with {@code jobJar}. */
  static List<String> without(Path jobJar, String classpath) {
    Set<String> jobClasses = classesIn(jobJar);
    List<String> kept = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      if (!Files.exists(p)) {
        continue;
      }
      if (classesIn(p).stream().noneMatch(jobClasses::contains)) {
        kept.add(entry);
      }
    }
    return kept;
  }

  /** Class files of a jar or a classes folder, as entry names; module descriptors left out. */
  static Set<String> classesIn(Path entry) {
    Set<String> names = new HashSet<>();
    if (Files.isDirectory(entry)) {
      try (Stream<Path> files = Files.walk(entry)) {
        files
            .filter(f -> f.toString().endsWith(".class"))
            .map(f -> entry.relativize(f).toString().replace(File.separatorChar, '/'))
            .filter(FlinkLibClasspath::isClass)
            .forEach(names::add);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the classes folder " + entry, e);
      }
      return names;
    }
    try (JarFile jar = new JarFile(entry.toFile())) {
      jar.stream().map(JarEntry::getName).filter(FlinkLibClasspath::isClass).forEach(names::add);
    } catch (IOException e) {
      // Not a jar (a resource folder's stray file): nothing of it can clash.
    }
    return names;
  }

  private static boolean isClass(String name) {
    return name.endsWith(".class")
        && !name.endsWith("module-info.class")
        && !name.startsWith("META-INF/");
  }
}
