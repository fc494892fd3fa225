package io.tlalign.local.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.cli.CommandLineTest;
import org.junit.jupiter.api.Test;

/** Bad arguments of {@code tlalign experiment}: exit 2 and a message naming the value and fix. */
class ExperimentCommandTest extends CommandLineTest {

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
    assertThat(run("experiment", "--help")).isZero();
    assertThat(out.toString()).contains("experiment: none=A±s cutmix=B±s tlalign=C±s");
  }
}
