package io.tlalign.local.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobJarTest {

  @TempDir Path dir;

  private final String jarBefore = System.getProperty("tlalign.job.jar");
  private final String rootBefore = System.getProperty("tlalign.root");

  @AfterEach
  void restore() {
    restore("tlalign.job.jar", jarBefore);
    restore("tlalign.root", rootBefore);
  }

  @Test
  void aMissingJarIsRefusedWithTheBuildCommand() {
    System.clearProperty("tlalign.job.jar");
    System.setProperty("tlalign.root", dir.toString());

    assertThatThrownBy(JobJar::locate)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir.resolve("job").resolve("target").toString())
        .hasMessageContaining("mvn -B -pl job -am package -DskipTests");
  }

  @Test
  void aNamedJarThatIsGoneIsRefusedWithTheBuildCommand() {
    System.setProperty("tlalign.job.jar", dir.resolve("nope.jar").toString());

    assertThatThrownBy(JobJar::locate)
        .hasMessageContaining("nope.jar")
        .hasMessageContaining(JobJar.BUILD_COMMAND);
  }

  @Test
  void findsTheShadedJarUnderTheRoot() throws Exception {
    System.clearProperty("tlalign.job.jar");
    System.setProperty("tlalign.root", dir.toString());
    Path target = Files.createDirectories(dir.resolve("job").resolve("target"));
    Files.writeString(target.resolve("tlalign-job-1.0.jar"), "plain jar, not the job jar");
    Path jar = Files.writeString(target.resolve("tlalign-job-1.0-job.jar"), "x");

    assertThat(JobJar.locate()).isEqualTo(jar);
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
