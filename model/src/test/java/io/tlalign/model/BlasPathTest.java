package io.tlalign.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The BLAS path this JVM reports is the one its environment asks for: the MKL vendor fix where the
 * CPU is not Intel's and has AVX2 (MKL really asked the library), MKL's generic path under {@code
 * TLALIGN_MKL_VENDOR_FIX=0} (the surefire execution {@code generic-blas} runs this test so), and
 * MKL's own dispatch on Intel CPUs.
 */
class BlasPathTest {

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  @Test
  void theReportedPathIsTheOneTheCpuAndTheSwitchAskFor() {
    BlasPath.Report report = EngineSetup.blasPath();
    BlasPath.Cpu cpu = BlasPath.cpu();
    assertThat(cpu).as("/proc/cpuinfo").isNotNull();
    boolean off = BlasPath.isOff(System.getenv(BlasPath.SWITCH_ENV));
    boolean packaged = BlasPath.class.getResource(BlasPath.RESOURCE) != null;
    BlasPath.Kind expected;
    if (cpu.intel()) {
      expected = BlasPath.Kind.DEFAULT;
    } else if (!off && cpu.avx2() && packaged) {
      expected = BlasPath.Kind.MKL_VENDOR_FIX;
    } else {
      expected = BlasPath.Kind.MKL_GENERIC;
    }
    assertThat(report.kind())
        .as("%s with switch off=%s, packaged=%s", report, off, packaged)
        .isEqualTo(expected);
    assertThat(report.line()).startsWith("blas=" + expected.label() + " (" + cpu.vendor());
  }

  @Test
  void onlyZeroFalseOffAndNoTurnTheFixOff() {
    for (String v : List.of("0", "false", "OFF", " no ")) {
      assertThat(BlasPath.isOff(v)).as(v).isTrue();
    }
    for (String v : new String[] {null, "", "1", "true", "auto"}) {
      assertThat(BlasPath.isOff(v)).as(String.valueOf(v)).isFalse();
    }
  }

  @Test
  void cpuinfoGivesTheFirstVendorAndWhetherItHasAvx2() {
    BlasPath.Cpu amd =
        BlasPath.parseCpuInfo(
            List.of(
                "processor\t: 0",
                "vendor_id\t: AuthenticAMD",
                "flags\t\t: fpu sse2 avx avx2 avx512f",
                "processor\t: 1",
                "vendor_id\t: AuthenticAMD"));
    assertThat(amd).isEqualTo(new BlasPath.Cpu("AuthenticAMD", true));
    assertThat(amd.intel()).isFalse();
    BlasPath.Cpu oldIntel =
        BlasPath.parseCpuInfo(List.of("vendor_id : GenuineIntel", "flags : fpu sse2 avx avx2x"));
    assertThat(oldIntel).isEqualTo(new BlasPath.Cpu("GenuineIntel", false));
    assertThat(oldIntel.intel()).isTrue();
    assertThat(BlasPath.parseCpuInfo(List.of("processor : 0"))).isNull();
  }
}
