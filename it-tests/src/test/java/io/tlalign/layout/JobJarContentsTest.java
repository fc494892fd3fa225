package io.tlalign.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The jar deployed to Flink holds the job and nothing of the tools around it. */
class JobJarContentsTest {

  /** Entry prefixes of the command line, the tools and their libraries. */
  private static final List<String> FORBIDDEN =
      List.of(
          "picocli/",
          "io/tlalign/cli/",
          "io/tlalign/local/",
          "io/tlalign/datasets/",
          "io/tlalign/kafka/local/",
          "org/knowm/xchart/",
          "kafka/Kafka",
          "scala/");

  /** Class names of demo, bench, experiment, chart and broker-launcher code, wherever they sit. */
  private static final List<String> FORBIDDEN_NAMES =
      List.of(
          "Demo", "Bench", "Experiment", "Chart", "LocalKafkaBroker", "BrokerProcess", "Command");

  static Path jobJar() throws Exception {
    Path target = Layout.root().resolve("job").resolve("target");
    try (Stream<Path> files = Files.list(target)) {
      return files
          .filter(p -> p.getFileName().toString().matches("tlalign-job-.*-job\\.jar"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no job jar in " + target + "; mvn package"));
    }
  }

  @Test
  void jobJarHoldsNoCommandLineOrToolClass() throws Exception {
    try (JarFile jar = new JarFile(jobJar().toFile())) {
      List<String> names = jar.stream().map(e -> e.getName()).toList();
      assertThat(names).contains("io/tlalign/job/FlinkEntryPoint.class");
      assertThat(names).filteredOn(n -> FORBIDDEN.stream().anyMatch(n::startsWith)).isEmpty();
      assertThat(names)
          .filteredOn(n -> n.startsWith("io/tlalign/") && n.endsWith(".class"))
          .filteredOn(
              n -> {
                String simple = n.substring(n.lastIndexOf('/') + 1);
                return FORBIDDEN_NAMES.stream().anyMatch(simple::contains);
              })
          .isEmpty();
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("io.tlalign.job.FlinkEntryPoint");
    }
  }
}
