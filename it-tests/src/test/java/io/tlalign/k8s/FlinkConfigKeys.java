package io.tlalign.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Every configuration key that Flink 1.20 declares as a {@code public static ConfigOption} in an
 * {@code *Options} class of flink-core, flink-runtime and flink-streaming-java (the jars on the
 * test classpath), with the deprecated keys that still read it.
 */
final class FlinkConfigKeys {

  /** key -> the declaring option's current key (equal to the key unless it is deprecated). */
  private static Map<String, String> known;

  private FlinkConfigKeys() {}

  static synchronized Map<String, String> known() {
    if (known == null) {
      Map<String, String> keys = new HashMap<>();
      for (Class<?> anchor :
          List.of(
              CoreOptions.class,
              TaskExecutorProcessUtils.class,
              StreamExecutionEnvironment.class)) {
        scan(jarOf(anchor), keys);
      }
      known = keys;
    }
    return known;
  }

  private static Path jarOf(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void scan(Path jar, Map<String, String> keys) {
    try (JarFile j = new JarFile(jar.toFile())) {
      Enumeration<JarEntry> entries = j.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (!name.startsWith("org/apache/flink/")
            || !name.endsWith("Options.class")
            || name.contains("$")) {
          continue;
        }
        String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        Class<?> c;
        try {
          c = Class.forName(className, false, FlinkConfigKeys.class.getClassLoader());
        } catch (Throwable t) { // an optional dependency is missing: not an option we use
          continue;
        }
        collect(c, keys);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collect(Class<?> c, Map<String, String> keys) {
    Field[] fields;
    try {
      fields = c.getFields();
    } catch (Throwable t) {
      return;
    }
    for (Field f : fields) {
      if (!Modifier.isStatic(f.getModifiers()) || !ConfigOption.class.equals(f.getType())) {
        continue;
      }
      ConfigOption<?> option;
      try {
        option = (ConfigOption<?>) f.get(null);
      } catch (Throwable t) {
        continue;
      }
      keys.put(option.key(), option.key());
      for (FallbackKey fallback : option.fallbackKeys()) {
        keys.putIfAbsent(fallback.getKey(), option.key());
      }
    }
  }
}
