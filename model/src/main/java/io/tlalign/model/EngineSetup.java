package io.tlalign.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Utils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts DJL's PyTorch engine offline, with a known cache folder and fixed thread counts.
 *
 * <p>Everything DJL reads at load time is set here before the first call that loads the native
 * library: {@code ai.djl.offline=true} (DJL never downloads; libtorch is unpacked from the {@code
 * pytorch-native-cpu} jar on the classpath into the cache folder), {@code DJL_CACHE_DIR}, and the
 * {@code ai.djl.pytorch.num_threads} / {@code num_interop_threads} properties. An environment
 * variable {@code DJL_CACHE_DIR} or {@code ENGINE_CACHE_DIR} wins over the property in DJL, so
 * where one is set it is used and logged. {@code PYTORCH_VERSION} must stay unset: it makes DJL
 * look for a download.
 *
 * <p>The engine is one per JVM. A second call with other thread counts adjusts the intra-op count
 * (PyTorch allows that at any time) and logs that the inter-op count cannot change once set.
 */
public final class EngineSetup {

  /** DJL's name of the PyTorch engine. */
  public static final String ENGINE_NAME = "PyTorch";

  private static final Logger LOG = LoggerFactory.getLogger(EngineSetup.class);

  private static EngineOptions startedWith;

  private static BlasPath.Report blasPath;

  private EngineSetup() {}

  /** Starts (or returns) the engine with {@link EngineOptions#defaults()}. */
  public static Engine start() {
    return start(EngineOptions.defaults());
  }

  /** Starts (or returns) the engine with the given options. */
  public static synchronized Engine start(EngineOptions options) {
    if (startedWith == null) {
      if (System.getenv("PYTORCH_VERSION") != null
          || System.getProperty("PYTORCH_VERSION") != null) {
        throw new IllegalStateException(
            "PYTORCH_VERSION is set, which makes DJL download libtorch; unset it so the engine"
                + " comes from the pytorch-native-cpu jar on the classpath");
      }
      try {
        Files.createDirectories(options.cacheDir());
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot create the DJL cache folder " + options.cacheDir() + "; pick a writable one",
            e);
      }
      System.setProperty("ai.djl.offline", "true");
      System.setProperty("DJL_CACHE_DIR", options.cacheDir().toAbsolutePath().toString());
      System.setProperty("ai.djl.default_engine", ENGINE_NAME);
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.intraOpThreads()));
      System.setProperty(
          "ai.djl.pytorch.num_interop_threads", Integer.toString(options.interOpThreads()));
      // Before libtorch loads: the MKL vendor fix must be in the global symbol scope first.
      BlasPath.prepare(options.cacheDir());
      // Loading runs PtEngine.newInstance, which reads the properties above.
      Engine engine = Engine.getEngine(ENGINE_NAME);
      startedWith = options;
      blasPath = probeBlas(engine);
      LOG.info(
          "PyTorch {} loaded offline from {} (cache {}), intra-op threads {}, inter-op threads {}",
          engine.getVersion(),
          LibUtils.getLibtorchPath(),
          Utils.getEngineCacheDir(),
          JniUtils.getNumThreads(),
          JniUtils.getNumInteropThreads());
      LoggerFactory.getLogger(BlasPath.class).info("BLAS: {}", blasPath.line());
    }
    enforceThreads(options);
    return Engine.getEngine(ENGINE_NAME);
  }

  /** The options of the first start in this JVM, or null before it. */
  public static synchronized EngineOptions startedWith() {
    return startedWith;
  }

  /**
   * The BLAS path the engine's matrix products run on (see {@link BlasPath}), or null before the
   * first start.
   */
  public static synchronized BlasPath.Report blasPath() {
    return blasPath;
  }

  /** The folder libtorch was loaded from (inside the engine cache). */
  public static Path libraryPath() {
    return Path.of(LibUtils.getLibtorchPath());
  }

  /**
   * The device for a training subtask: GPU {@code gpuIndex} where the engine sees it, else the CPU.
   * A negative index asks for the CPU.
   */
  public static Device selectDevice(Engine engine, int gpuIndex) {
    if (gpuIndex >= 0 && gpuIndex < engine.getGpuCount()) {
      return Device.gpu(gpuIndex);
    }
    if (gpuIndex >= 0) {
      LOG.info(
          "GPU {} requested but the engine sees {} GPUs; using the CPU",
          gpuIndex,
          engine.getGpuCount());
    }
    return Device.cpu();
  }

  /** GPU 0 where there is one, else the CPU. */
  public static Device bestDevice(Engine engine) {
    return selectDevice(engine, 0);
  }

  /** One small product, so that MKL has made its dispatch choice, then the report. */
  private static BlasPath.Report probeBlas(Engine engine) {
    try (NDManager scope = engine.newBaseManager(Device.cpu())) {
      scope.ones(new Shape(64, 64)).matMul(scope.ones(new Shape(64, 64)));
    }
    return BlasPath.probe();
  }

  private static void enforceThreads(EngineOptions options) {
    if (JniUtils.getNumThreads() != options.intraOpThreads()) {
      LOG.info(
          "setting intra-op threads from {} to {}",
          JniUtils.getNumThreads(),
          options.intraOpThreads());
      JniUtils.setNumThreads(options.intraOpThreads());
    }
    if (JniUtils.getNumInteropThreads() != options.interOpThreads()) {
      // PyTorch refuses a second set once the inter-op pool exists; eager training does not use
      // that pool, so results do not depend on it.
      LOG.warn(
          "inter-op threads are {} and cannot change after the engine started (asked for {})",
          JniUtils.getNumInteropThreads(),
          options.interOpThreads());
    }
  }
}
