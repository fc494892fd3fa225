package io.tlalign.job.resume;

import io.tlalign.job.settings.TlAlignOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What makes checkpoints belong to one job: a checkpoint of another preset, topic, group, batch
 * size or seed would restore state that the new input does not continue. Kept as {@code
 * tlalign-job.properties} in the checkpoint root.
 */
public final class JobIdentity {

  static final String FILE = "tlalign-job.properties";

  private static final List<ConfigOption<?>> KEYS =
      List.of(
          TlAlignOptions.MODEL,
          TlAlignOptions.TRAIN_TOPIC,
          TlAlignOptions.GROUP_ID,
          TlAlignOptions.BATCH_SIZE,
          TlAlignOptions.SEED,
          TlAlignOptions.REPLICAS);

  private final Map<String, String> values;

  private JobIdentity(Map<String, String> values) {
    this.values = values;
  }

  public static JobIdentity of(ReadableConfig conf) {
    Map<String, String> values = new LinkedHashMap<>();
    for (ConfigOption<?> key : KEYS) {
      values.put(key.key(), String.valueOf(conf.get(key)));
    }
    return new JobIdentity(values);
  }

  /** The identity written in {@code root}, if any. */
  public static Optional<JobIdentity> readFrom(Path root) {
    Path file = root.resolve(FILE);
    Optional<Properties> read;
    try {
      read = PropertiesFile.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return read.map(
        p -> {
          Map<String, String> values = new LinkedHashMap<>();
          for (ConfigOption<?> key : KEYS) {
            values.put(key.key(), p.getProperty(key.key(), String.valueOf(key.defaultValue())));
          }
          return new JobIdentity(values);
        });
  }

  public void writeTo(Path root) {
    Properties p = new Properties();
    p.putAll(values);
    try {
      Files.createDirectories(root);
      Path tmp = root.resolve(FILE + ".tmp");
      try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(out, "the job whose checkpoints this folder holds; see ./tlalign train --help");
      }
      Files.move(
          tmp,
          root.resolve(FILE),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + root.resolve(FILE), e);
    }
  }

  /** The keys whose values differ, each as {@code key: theirs (checkpoints) vs ours (this run)}. */
  public List<String> differencesFrom(JobIdentity checkpoints) {
    List<String> out = new ArrayList<>();
    values.forEach(
        (k, v) -> {
          String theirs = checkpoints.values.get(k);
          if (!v.equals(theirs)) {
            out.add(k + " is " + theirs + " in the checkpoints but " + v + " in this run");
          }
        });
    return out;
  }
}
