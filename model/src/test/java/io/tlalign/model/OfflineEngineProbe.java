package io.tlalign.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Run in a fresh JVM by {@link OfflineEngineTest}: blocks every http(s) URL, points the proxy at a
 * closed port, starts the engine with an empty cache folder and prints what happened.
 */
public final class OfflineEngineProbe {

  private OfflineEngineProbe() {}

  public static void main(String[] args) {
    Path cache = Path.of(args[0]);
    String closedPort = args[1];
    for (String scheme : new String[] {"http", "https"}) {
      System.setProperty(scheme + ".proxyHost", "127.0.0.1");
      System.setProperty(scheme + ".proxyPort", closedPort);
    }
    System.setProperty("java.net.useSystemProxies", "false");
    List<String> attempts = new CopyOnWriteArrayList<>();
    URL.setURLStreamHandlerFactory(
        protocol ->
            "http".equals(protocol) || "https".equals(protocol)
                ? new URLStreamHandler() {
                  @Override
                  protected URLConnection openConnection(URL u) throws IOException {
                    attempts.add(u.toString());
                    throw new IOException("network blocked by OfflineEngineProbe: " + u);
                  }
                }
                : null);
    Engine engine = EngineSetup.start(new EngineOptions(cache, 1, 1));
    try (NDManager m = engine.newBaseManager()) {
      NDArray a = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
      System.out.println("MATMUL " + Arrays.toString(a.matMul(a).toFloatArray()));
    }
    System.out.println("ENGINE " + engine.getEngineName() + " " + engine.getVersion());
    System.out.println("LIBRARY " + EngineSetup.libraryPath().toAbsolutePath());
    System.out.println(
        "THREADS " + JniUtils.getNumThreads() + " " + JniUtils.getNumInteropThreads());
    System.out.println("ATTEMPTS " + attempts);
  }
}
