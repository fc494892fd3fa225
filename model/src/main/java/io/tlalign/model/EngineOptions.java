package io.tlalign.model;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the PyTorch engine is started: where DJL keeps the native library it unpacks from the {@code
 * pytorch-native-cpu} jar, and how many threads the native math may use.
 *
 * <p>Fixed thread counts are part of determinism: a parallel reduction splits its work by thread
 * count, so two runs that sum in a different order differ in the last bits (see ARCHITECTURE.md,
 * "Determinism").
 *
 * @param cacheDir folder for DJL's engine cache (the unpacked libtorch, about 450 MB)
 * @param intraOpThreads threads inside one operator (OpenMP pool), at least 1
 * @param interOpThreads threads that run independent operators, at least 1
 */
public record EngineOptions(Path cacheDir, int intraOpThreads, int interOpThreads) {

  /** Environment variable that moves the default cache folder. */
  public static final String CACHE_DIR_ENV = "TLALIGN_DJL_CACHE";

  public EngineOptions {
    Objects.requireNonNull(cacheDir, "cacheDir");
    if (intraOpThreads < 1) {
      throw new IllegalArgumentException(
          "intraOpThreads must be >= 1, got "
              + intraOpThreads
              + "; use the number of cores this task may use (1 is the safest for determinism)");
    }
    if (interOpThreads < 1) {
      throw new IllegalArgumentException(
          "interOpThreads must be >= 1, got " + interOpThreads + "; 1 is the usual choice");
    }
  }

  /**
   * Defaults: cache under {@code $TLALIGN_DJL_CACHE}, else {@code $XDG_CACHE_HOME/tlalign/djl},
   * else {@code ~/.cache/tlalign/djl}; one intra-op and one inter-op thread.
   *
   * <p>One intra-op thread is the safe default on a shared machine: on the 2-vCPU build machine,
   * busy with other work, two OpenMP threads trained vit-tiny-fm 5 to 10 times slower than one,
   * because each barrier spins while the other thread is descheduled. Raise it with {@link
   * #withThreads} to the number of cores the slot has to itself.
   */
  public static EngineOptions defaults() {
    return new EngineOptions(defaultCacheDir(), 1, 1);
  }

  public EngineOptions withCacheDir(Path dir) {
    return new EngineOptions(dir, intraOpThreads, interOpThreads);
  }

  public EngineOptions withThreads(int intraOp, int interOp) {
    return new EngineOptions(cacheDir, intraOp, interOp);
  }

  static Path defaultCacheDir() {
    String own = System.getenv(CACHE_DIR_ENV);
    if (own != null && !own.isBlank()) {
      return Path.of(own);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("tlalign").resolve("djl");
  }
}
