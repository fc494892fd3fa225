package io.tlalign.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlinkLibClasspathTest {

  @TempDir Path dir;

  @Test
  void dropsEveryEntryThatSharesAClassWithTheJobJarAndKeepsTheRest() throws IOException {
    Path job = jar("job.jar", "io/x/Job.class", "org/kafka/Client.class", "module-info.class");
    Path connector = jar("connector.jar", "org/kafka/Client.class", "org/kafka/Other.class");
    Path flink = jar("flink.jar", "org/flink/Runtime.class", "module-info.class");
    Path jobClasses = folder("job-classes", "io/x/Job.class");
    Path localClasses = folder("local-classes", "io/y/Tool.class");
    Path resources = folder("resources", "log4j2.properties");
    String missing = dir.resolve("gone.jar").toString();
    String classpath =
        String.join(
            File.pathSeparator,
            List.of(
                connector.toString(),
                flink.toString(),
                jobClasses.toString(),
                missing,
                localClasses.toString(),
                resources.toString()));

    assertThat(FlinkLibClasspath.without(job, classpath))
        .containsExactly(flink.toString(), localClasses.toString(), resources.toString());
  }

  private Path jar(String name, String... entries) throws IOException {
    Path jar = dir.resolve(name);
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String e : entries) {
        out.putNextEntry(new JarEntry(e));
        out.write(new byte[] {1, 2, 3});
        out.closeEntry();
      }
    }
    return jar;
  }

  private Path folder(String name, String... files) throws IOException {
    Path root = dir.resolve(name);
    for (String f : files) {
      Path p = root.resolve(f);
      Files.createDirectories(p.getParent());
      try (OutputStream out = Files.newOutputStream(p)) {
        out.write(1);
      }
    }
    return root;
  }
}
