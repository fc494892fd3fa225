package io.tlalign.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/**
 * The web UI of a local Flink cluster (flink-runtime-web, on the command line's classpath only): on
 * the loopback address and a free port, unless the configuration names a port.
 */
public final class LocalWebUi {

  private LocalWebUi() {}

  /**
   * Sets where the local cluster's REST endpoint listens and returns the web UI's address, or empty
   * when the UI is not on the classpath or {@code rest.bind-port} is a range.
   */
  public static Optional<String> configure(Configuration conf) {
    if (!conf.contains(RestOptions.BIND_ADDRESS)) {
      conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    }
    if (!conf.contains(RestOptions.ADDRESS)) {
      conf.set(RestOptions.ADDRESS, "127.0.0.1");
    }
    if (!conf.contains(RestOptions.BIND_PORT) && !conf.contains(RestOptions.PORT)) {
      conf.set(RestOptions.BIND_PORT, Integer.toString(freePort()));
    }
    String port =
        conf.getOptional(RestOptions.BIND_PORT)
            .orElse(Integer.toString(conf.get(RestOptions.PORT)));
    boolean ui = LocalWebUi.class.getClassLoader().getResource("web/index.html") != null;
    return ui && port.matches("\\d+")
        ? Optional.of("http://" + conf.get(RestOptions.ADDRESS) + ":" + port)
        : Optional.empty();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on the loopback address for the web UI", e);
    }
  }
}
