package io.tlalign.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.Device;
import io.tlalign.model.BlasPath;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.TestEngine;
import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on the MKL vendor-fix path (this JVM) and on MKL's generic path (a forked JVM with
 * {@code TLALIGN_MKL_VENDOR_FIX=0}) agree within float tolerance, step by step; and a state saved
 * on the generic path, restored on the fast one, continues to within the same tolerance of the run
 * that never left the generic path (but not bit for bit: the paths run different SGEMM kernels).
 * Runs where the fix applies (a non-Intel CPU with AVX2 and a C compiler at build time); elsewhere
 * both JVMs would be on one path, and the test is skipped.
 */
class BlasPathAgreementTest {

  static final VitConfig FM = VitPresets.VIT_TINY_FM;

  /** No warm-up: every step moves the parameters by about the learning rate. */
  static final AdamWConfig FAST =
      new AdamWConfig(2e-3, 0.9, 0.999, 1e-8, 0.05, 0, 1_000, 1e-5, 1.0);

  static final int STEPS = 6;
  static final int SPLIT = 3;

  /**
   * Largest parameter difference allowed after {@link #STEPS} steps. AdamW moves a parameter by up
   * to the learning rate per step whatever the gradient's size, so a rounding difference in a
   * near-zero gradient can move it by a fraction of 2e-3: the bound is a tenth of one step's size,
   * far below what a wrong kernel gives (whole steps: 1e-3 and more).
   */
  static final double PARAM_TOL = 2e-4;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  /** The states after {@link #SPLIT} and after {@link #STEPS} TL-Align steps of a fixed run. */
  static TrainingState[] run(Device device) {
    try (TrainingSession s =
        TrainingSession.create(new TrainingConfig(FM, 5, FAST, TargetMode.TLALIGN, 0.1), device)) {
      TrainingState split = null;
      for (int i = 0; i < STEPS; i++) {
        StepResult r = s.step(SyntheticTexture.cutMix(FM, 32, i));
        if (r.refused()) {
          throw new IllegalStateException("step " + i + " was refused");
        }
        if (i + 1 == SPLIT) {
          split = s.captureState();
        }
      }
      return new TrainingState[] {split, s.captureState()};
    }
  }

  @Test
  void theFastAndTheGenericPathTrainAlikeAndAStateMovesAcrossThem(@TempDir Path dir)
      throws Exception {
    assumeThat(EngineSetup.blasPath().kind())
        .as("this JVM's BLAS path (the other JVM would be on the same one)")
        .isEqualTo(BlasPath.Kind.MKL_VENDOR_FIX);
    String childBlas = forkGenericPath(dir);
    assertThat(childBlas).isEqualTo("blas=" + BlasPath.Kind.MKL_GENERIC.label());

    TrainingState genericSplit =
        TrainingState.fromBytes(Files.readAllBytes(dir.resolve("split.tlas")));
    TrainingState genericEnd = TrainingState.fromBytes(Files.readAllBytes(dir.resolve("end.tlas")));
    TrainingState[] fast = run(Device.cpu());

    assertThat(fast[1].step()).isEqualTo(genericEnd.step()).isEqualTo(STEPS);
    double end = maxDifference(fast[1].parameters(), genericEnd.parameters());
    assertThat(end)
        .as("max |fast - generic| over all parameters after %d steps", STEPS)
        .isLessThanOrEqualTo(PARAM_TOL);
    double moment =
        maxDifference(fast[1].optimizer().firstMoments(), genericEnd.optimizer().firstMoments());
    assertThat(moment).as("max first-moment difference").isLessThanOrEqualTo(1e-3);

    // The generic path's checkpoint, resumed on this (fast) path.
    TrainingState resumed;
    try (TrainingSession s =
        TrainingSession.fromState(
            new TrainingConfig(FM, 5, FAST, TargetMode.TLALIGN, 0.1), Device.cpu(), genericSplit)) {
      for (int i = SPLIT; i < STEPS; i++) {
        assertThat(s.step(SyntheticTexture.cutMix(FM, 32, i)).refused()).isFalse();
      }
      resumed = s.captureState();
    }
    assertThat(resumed.step()).isEqualTo(STEPS);
    double across = maxDifference(resumed.parameters(), genericEnd.parameters());
    assertThat(across)
        .as("restored across paths vs the generic run")
        .isLessThanOrEqualTo(PARAM_TOL);
    // A sanity bound on the bound: training itself moved the parameters far more than that.
    assertThat(maxDifference(genericSplit.parameters(), genericEnd.parameters()))
        .isGreaterThan(10 * PARAM_TOL);
    System.out.printf(
        "blas paths: max parameter difference after %d steps %.3g, after a cross-path restore %.3g,"
            + " bit-identical %s%n",
        STEPS, end, across, end == 0);
  }

  /** Runs {@link BlasPathChild} with the fix off; returns its blas line. */
  private static String forkGenericPath(Path dir) throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    for (String p :
        new String[] {"ai.djl.offline", "DJL_CACHE_DIR", "java.io.tmpdir", "jna.tmpdir"}) {
      if (System.getProperty(p) != null) {
        command.add("-D" + p + "=" + System.getProperty(p));
      }
    }
    command.add("-cp");
    command.add(classpath);
    command.add(BlasPathChild.class.getName());
    command.add(dir.toString());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put(BlasPath.SWITCH_ENV, "0");
    File log = dir.resolve("child.log").toFile();
    pb.redirectOutput(log);
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the generic-path JVM did not finish in 5 minutes");
    }
    String out = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("generic-path JVM exit, output:%n%s", out).isZero();
    return out.lines().filter(l -> l.startsWith("blas=")).reduce((a, b) -> b).orElse(out);
  }

  private static double maxDifference(List<NamedTensor> a, List<NamedTensor> b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).name()).isEqualTo(b.get(i).name());
      float[] x = a.get(i).data();
      float[] y = b.get(i).data();
      assertThat(x).hasSameSizeAs(y);
      for (int j = 0; j < x.length; j++) {
        max = Math.max(max, Math.abs((double) x[j] - y[j]));
      }
    }
    return max;
  }
}
