package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.datasets.FashionMnistSubset;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench scale --cluster}: bad values and a missing job jar end before anything starts. */
class BenchScaleClusterOptionTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final String jarBefore = System.getProperty("tlalign.job.jar");

  @TempDir Path dir;

  @AfterEach
  void restore() {
    if (jarBefore == null) {
      System.clearProperty("tlalign.job.jar");
    } else {
      System.setProperty("tlalign.job.jar", jarBefore);
    }
  }

  private int run(String... args) {
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void anUnknownClusterIsRefusedNamingTheChoices() {
    int code =
        run(
            "bench",
            "scale",
            "--cluster",
            "yarn",
            "--data",
            FashionMnistSubset.folder().toString());
    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("--cluster is \"yarn\"; use in-jvm or processes");
    assertThat(out.toString()).doesNotContain("scale: images=");
  }

  @Test
  void processesWithoutTheJobJarNamesTheBuildCommand() {
    Path missing = dir.resolve("tlalign-job-0-job.jar");
    System.setProperty("tlalign.job.jar", missing.toString());
    int code =
        run(
            "bench",
            "scale",
            "--cluster",
            "processes",
            "--data",
            FashionMnistSubset.folder().toString());
    assertThat(code).isNotZero();
    assertThat(err.toString())
        .contains("--cluster processes")
        .contains(missing.toString())
        .contains("mvn -B -pl job -am package -DskipTests");
    assertThat(out.toString()).doesNotContain("scale: images=");
  }
}
