package io.tlalign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConformanceCommandTest extends CommandLineTest {

  @TempDir Path dir;

  private static Path vectors() {
    return Path.of(System.getProperty("tlalign.testvectors"));
  }

  @Test
  void allSharedVectorsPassAndTheLastLineCountsThem() {
    int code = run("conformance", vectors().toString());
    List<String> lines = out.toString().lines().toList();
    assertThat(code).isZero();
    assertThat(lines).hasSize(8);
    assertThat(lines.subList(0, 7)).allMatch(l -> l.startsWith("PASS v0"));
    assertThat(lines.get(7)).matches("conformance: 7 passed, 0 failed, max_abs_err=\\S+");
    double maxErr = Double.parseDouble(lines.get(7).replaceAll(".*max_abs_err=", ""));
    assertThat(maxErr).isLessThan(1e-12);
  }

  @Test
  void aMalformedFileFailsWithOneLineAndANonZeroExit() throws Exception {
    Path bad = dir.resolve("broken.json");
    Files.writeString(bad, "{\"format\": \"tl-align-testvector/1\"}");
    Path good = vectors().resolve("v01_partial_box_cls_L4.json");
    int code = run("conformance", good.toString(), bad.toString());
    List<String> lines = out.toString().lines().toList();
    assertThat(code).isEqualTo(1);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).isEqualTo("FAIL broken.json: missing field image_height");
    assertThat(lines.get(2)).startsWith("conformance: 1 passed, 1 failed,");
  }

  @Test
  void aMissingPathIsAUsageErrorThatNamesIt() {
    int code = run("conformance", dir.resolve("nope").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("no such file or folder").contains("nope");
  }

  @Test
  void aNegativeToleranceIsRefusedWithTheFix() {
    int code = run("conformance", "--tolerance", "-1", vectors().toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("got -1.0").contains("try --tolerance 1e-9");
  }

  @Test
  void helpListsTheSubcommand() {
    int code = run("--help");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("conformance");
  }
}
