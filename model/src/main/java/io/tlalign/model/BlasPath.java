package io.tlalign.model;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which BLAS code path libtorch's matrix products run on, and the switch that makes it the fast one
 * on CPUs that are not Intel's.
 *
 * <p>The libtorch that DJL ships links Intel oneMKL 2024, which asks {@code
 * mkl_serv_intel_cpu_true()} before it dispatches on the CPU's instruction set; on any other vendor
 * the answer is 0 and every SGEMM runs MKL's generic code path (on the 2-core AMD EPYC build
 * machine 74 against 104 GFLOP/s on one thread, 146 against 204 on two; see BENCHMARKS.md). The
 * tiny library built from {@code src/main/c/tlalign_mkl_vendor_fix.c} answers 1. {@link #prepare}
 * loads it into the process's global symbol scope ({@code dlopen} with {@code RTLD_GLOBAL}, through
 * JNA) before DJL loads libtorch, so libtorch_cpu.so's PLT call binds to it; MKL then picks its
 * kernels from the CPUID feature bits as on an Intel CPU.
 *
 * <p>It applies only on Linux x86-64 to a CPU whose vendor is not {@code GenuineIntel} and that has
 * AVX2: on Intel CPUs MKL already answers 1, so nothing is loaded and nothing changes. {@code
 * TLALIGN_MKL_VENDOR_FIX=0} (or {@code false}, {@code off}) turns it off; {@code
 * TLALIGN_MKL_VENDOR_FIX_LIB} names the library file instead of the copy inside the jar. It is fail
 * safe: a missing library (the build had no C compiler) or a failed load leaves the normal path and
 * logs one line. {@link #probe} (after the engine loaded and ran a product) reports what happened:
 * the library counts MKL's questions, so {@link Kind#MKL_VENDOR_FIX} is reported only when MKL
 * actually asked it.
 *
 * <p>Results: the two paths run different SGEMM kernels, so they agree within float rounding but
 * not bit for bit; bit-identical recovery holds on one path (see DEVELOPERS.md).
 */
public final class BlasPath {

  /** The switch: "0", "false" or "off" keeps MKL's own vendor check. */
  public static final String SWITCH_ENV = "TLALIGN_MKL_VENDOR_FIX";

  /** Optional path of the library, instead of the copy packaged in the jar. */
  public static final String LIBRARY_ENV = "TLALIGN_MKL_VENDOR_FIX_LIB";

  /** Where the build puts the library inside the jar (absent when it had no C compiler). */
  static final String RESOURCE =
      "/io/tlalign/model/native/linux-x86-64/libtlalign_mkl_vendor_fix.so";

  private static final String COUNTER = "tlalign_mkl_vendor_fix_calls";
  private static final int RTLD_LAZY = 0x1;
  private static final int RTLD_GLOBAL = 0x100;

  private static final Logger LOG = LoggerFactory.getLogger(BlasPath.class);

  /** What the matrix products run on. */
  public enum Kind {
    /** MKL asked the vendor-fix library and dispatches on the CPU's features. */
    MKL_VENDOR_FIX("mkl-vendor-fix"),
    /** An Intel CPU (or a libtorch without MKL's vendor check): MKL's own dispatch. */
    DEFAULT("default"),
    /** A CPU of another vendor without the fix: MKL's generic code path. */
    MKL_GENERIC("mkl-generic");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** The short name printed in benchmark lines. */
    public String label() {
      return label;
    }
  }

  /**
   * The result of {@link #probe}.
   *
   * @param kind the path
   * @param detail one line: the CPU vendor and why this path
   */
  public record Report(Kind kind, String detail) {
    /** {@code blas=<label> (<detail>)}: the line benchmarks and the training log print. */
    public String line() {
      return "blas=" + kind.label() + " (" + detail + ")";
    }
  }

  /** The CPU's vendor and whether it has AVX2, from /proc/cpuinfo. */
  record Cpu(String vendor, boolean avx2) {
    boolean intel() {
      return "GenuineIntel".equals(vendor);
    }
  }

  /** What {@link #prepare} did, for {@link #probe}. */
  private static String preparedNote;

  /** Held for the life of the JVM: the library must never be unloaded once MKL bound to it. */
  private static NativeLibrary fixLibrary;

  private static boolean prepared;

  /** libtorch was in the process before {@link #prepare}: MKL may have bound its own answer. */
  private static boolean loadedTooLate;

  private BlasPath() {}

  /**
   * Loads the vendor-fix library where it applies; call before the engine's first load. Never
   * throws; runs once per JVM.
   *
   * @param cacheDir folder the library is copied into from the jar (under {@code native/})
   */
  public static synchronized void prepare(Path cacheDir) {
    if (prepared) {
      return;
    }
    prepared = true;
    try {
      preparedNote = load(System.getenv(SWITCH_ENV), System.getenv(LIBRARY_ENV), cacheDir);
    } catch (RuntimeException | LinkageError | IOException e) {
      preparedNote = "vendor fix not loaded: " + e;
      LOG.warn(
          "BLAS: the MKL vendor fix could not be loaded ({}); libtorch runs MKL's default path", e);
    }
  }

  /**
   * Reports the path; call after the engine loaded and ran at least one matrix product (MKL asks
   * its vendor question on the first one).
   */
  public static synchronized Report probe() {
    Cpu cpu = cpu();
    String vendor = cpu == null ? "unknown CPU" : cpu.vendor();
    String note = preparedNote == null ? "" : "; " + preparedNote;
    long calls = fixCalls();
    if (calls > 0) {
      return new Report(
          Kind.MKL_VENDOR_FIX,
          vendor
              + ", MKL's vendor check answered by tlalign ("
              + calls
              + "x); "
              + SWITCH_ENV
              + "=0 turns it off");
    }
    if (cpu == null || cpu.intel()) {
      return new Report(Kind.DEFAULT, vendor + ", MKL's own dispatch" + note);
    }
    if (calls == 0 && loadedTooLate) {
      return new Report(
          Kind.MKL_GENERIC,
          vendor
              + ", MKL's generic code path: libtorch was loaded before tlalign's engine setup"
              + note);
    }
    if (calls == 0) {
      // In the process, yet this libtorch never asked: no MKL vendor check in this build.
      return new Report(
          Kind.DEFAULT, vendor + ", this libtorch did not ask MKL's vendor check" + note);
    }
    return new Report(Kind.MKL_GENERIC, vendor + ", MKL's generic code path" + note);
  }

  // ---------------------------------------------------------------------------------- helpers

  /** Returns a note for the report; loads the library where it applies. */
  static String load(String switchValue, String libraryPath, Path cacheDir) throws IOException {
    if (isOff(switchValue)) {
      return "vendor fix off: " + SWITCH_ENV + "=" + switchValue;
    }
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return "vendor fix not applicable on " + os + "/" + arch;
    }
    Cpu cpu = cpu();
    if (cpu == null || cpu.intel()) {
      return "vendor fix not needed";
    }
    if (!cpu.avx2()) {
      return "vendor fix not applied: the CPU has no AVX2";
    }
    if (libtorchMapped()) {
      loadedTooLate = true;
      LOG.warn(
          "BLAS: libtorch was loaded before tlalign's engine setup; the MKL vendor fix may not"
              + " apply in this JVM");
    }
    Path library =
        libraryPath != null && !libraryPath.isBlank()
            ? Path.of(libraryPath)
            : extract(cacheDir.resolve("native"));
    if (library == null) {
      LOG.warn(
          "BLAS: no MKL vendor-fix library (the build had no C compiler, or set {}); libtorch"
              + " runs MKL's generic path on this {} CPU",
          LIBRARY_ENV,
          cpu.vendor());
      return "vendor fix library missing (built without a C compiler)";
    }
    if (!Files.isRegularFile(library)) {
      LOG.warn("BLAS: {}={} is not a file; libtorch runs MKL's generic path", LIBRARY_ENV, library);
      return "vendor fix library missing: " + library;
    }
    fixLibrary =
        NativeLibrary.getInstance(
            library.toAbsolutePath().toString(),
            Map.of(Library.OPTION_OPEN_FLAGS, RTLD_LAZY | RTLD_GLOBAL));
    return "vendor fix loaded from " + library;
  }

  static boolean isOff(String value) {
    if (value == null) {
      return false;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    return v.equals("0") || v.equals("false") || v.equals("off") || v.equals("no");
  }

  /** The count of MKL's questions the library answered, or -1 when it is not in the process. */
  private static long fixCalls() {
    try {
      NativeLibrary lib = fixLibrary != null ? fixLibrary : NativeLibrary.getProcess();
      Function f = lib.getFunction(COUNTER);
      return f.invokeLong(new Object[0]);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return -1; // neither loaded here nor preloaded
    }
  }

  /** Copies the packaged library into {@code dir}, named by its content hash; null if absent. */
  private static Path extract(Path dir) throws IOException {
    byte[] bytes;
    try (InputStream in = BlasPath.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return null;
      }
      bytes = in.readAllBytes();
    }
    String hash;
    try {
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
    Path target = dir.resolve("libtlalign_mkl_vendor_fix-" + hash + ".so");
    if (Files.isRegularFile(target) && Files.size(target) == bytes.length) {
      return target;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "libtlalign_mkl_vendor_fix", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  /** The first vendor_id and whether the flags list avx2; null off Linux or on a read error. */
  static Cpu cpu() {
    try {
      return parseCpuInfo(Files.readAllLines(Path.of("/proc/cpuinfo")));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static Cpu parseCpuInfo(List<String> lines) {
    String vendor = null;
    boolean avx2 = false;
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      if (vendor == null && key.equals("vendor_id")) {
        vendor = value;
      } else if (key.equals("flags")) {
        avx2 = List.of(value.split("\\s+")).contains("avx2");
        if (vendor != null) {
          break;
        }
      }
    }
    return vendor == null ? null : new Cpu(vendor, avx2);
  }

  private static boolean libtorchMapped() {
    try {
      return Files.readString(Path.of("/proc/self/maps")).contains("libtorch_cpu.so");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
