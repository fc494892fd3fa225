package io.tlalign.local.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Bad arguments of {@code tlalign experiment}: exit 2 and a message naming the value and fix. */
class ExperimentCommandTest {

  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    return cl.execute(args);
  }

  @Test
  void zeroSeedsExitsTwoNamingTheValue() {
    assertThat(run("experiment", "--seeds", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--seeds must be in 1..100, got 0").contains("try");
  }

  @Test
  void anUnknownMethodExitsTwoNamingIt() {
    assertThat(run("experiment", "--methods", "none,mixup")).isEqualTo(2);
    assertThat(err.toString()).contains("\"mixup\"").contains("none, cutmix, tlalign");
  }

  @Test
  void aMethodNamedTwiceExitsTwo() {
    assertThat(run("experiment", "--methods", "tlalign,tlalign")).isEqualTo(2);
    assertThat(err.toString()).contains("twice");
  }

  @Test
  void anUnknownModelExitsTwoNamingIt() {
    assertThat(run("experiment", "--model", "resnet50")).isEqualTo(2);
    assertThat(err.toString()).contains("\"resnet50\"").contains("--model vit-tiny-fm");
  }

  @Test
  void helpNamesTheLastLine() {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    assertThat(cl.execute("experiment", "--help")).isZero();
    assertThat(out.toString()).contains("experiment: none=A±s cutmix=B±s tlalign=C±s");
  }
}
