package io.tlalign.job.settings;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The one place where the Kafka clients of the system get their settings: every consumer, producer
 * and admin client (job sources and sinks, the sync loop, the model publisher, replay, topic and
 * offset calls, local runs) is made from {@link #build}.
 *
 * <p>Precedence, highest first:
 *
 * <ol>
 *   <li>what the system sets itself for a client ({@code own} in {@link #build}: isolation level,
 *       transactional ids, serializers, group ids, ...) and the explicit option {@code
 *       tlalign.kafka.bootstrap-servers};
 *   <li>{@code tlalign.kafka.properties.<kafka key>} options (as Flink's Kafka connector's {@code
 *       properties.*}), settable with {@code -D};
 *   <li>the client config file named by {@code tlalign.kafka.config-file} ({@code --kafka-config}),
 *       as Kafka tools' {@code --command-config}.
 * </ol>
 *
 * <p>Values are kept as written: a Kafka config provider reference ({@code ${file:/path:key}} with
 * {@code config.providers=file}) travels with the job and is resolved by kafka-clients where each
 * client runs, so a secret mounted on the task managers is never read on the client nor shipped in
 * the job graph. {@link #toString} and {@link #describe} mask secrets ({@code sasl.jaas.config},
 * passwords, secrets, keys, tokens); {@link #redact} removes secret values from a message.
 */
public final class KafkaClients implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Prefix of the options that pass a property to every Kafka client. */
  public static final String PREFIX = "tlalign.kafka.properties.";

  /** What masked values print as (Kafka's own word for a hidden password). */
  public static final String HIDDEN = "[hidden]";

  private static final Pattern SECRET_KEY =
      Pattern.compile(
          "(^|.*[._-])(password|secret|jaas\\.config|token|credentials?|key|keys|apikey)([._-].*|$)");

  /** Names, types and places of secrets, not secrets: key.serializer, ssl.keystore.location. */
  private static final Pattern NOT_SECRET_SUFFIX =
      Pattern.compile(".*\\.(type|location|algorithm|serializer|deserializer|class|url)$");

  /** {@code password="..."} and the like inside a JAAS configuration line. */
  private static final Pattern JAAS_SECRET =
      Pattern.compile("(?i)(password|secret|token)[a-z_]*\\s*=\\s*\"([^\"]*)\"");

  /** A value that is nothing but one config provider reference, e.g. {@code ${file:/p:k}}. */
  private static final Pattern PROVIDER_REFERENCE = Pattern.compile("\\$\\{[^}]+}");

  private final String bootstrapServers;
  private final TreeMap<String, String> properties;

  private KafkaClients(String bootstrapServers, Map<String, String> properties) {
    this.bootstrapServers = bootstrapServers;
    this.properties = new TreeMap<>(properties);
  }

  /**
   * Clients of {@code bootstrapServers} with no property of their own (a local PLAINTEXT broker).
   */
  public static KafkaClients of(String bootstrapServers) {
    return new KafkaClients(Objects.requireNonNull(bootstrapServers), Map.of());
  }

  /** Clients of {@code bootstrapServers} with {@code properties} (e.g. SASL_SSL settings). */
  public static KafkaClients of(String bootstrapServers, Map<String, String> properties) {
    return new KafkaClients(Objects.requireNonNull(bootstrapServers), properties);
  }

  /**
   * The clients of a job configuration: the config file, overridden by {@value #PREFIX} keys,
   * overridden by {@code tlalign.kafka.bootstrap-servers}.
   *
   * @throws IllegalArgumentException when the config file cannot be read, naming it and the fix
   */
  public static KafkaClients from(ReadableConfig conf) {
    Map<String, String> merged = new TreeMap<>();
    conf.getOptional(TlAlignOptions.KAFKA_CONFIG_FILE).ifPresent(f -> merged.putAll(readFile(f)));
    conf.toMap()
        .forEach(
            (k, v) -> {
              if (k.startsWith(PREFIX) && k.length() > PREFIX.length()) {
                merged.put(k.substring(PREFIX.length()), v);
              }
            });
    String bootstrap =
        conf.getOptional(TlAlignOptions.BOOTSTRAP_SERVERS)
            .orElse(merged.getOrDefault("bootstrap.servers", ""));
    merged.remove("bootstrap.servers");
    return new KafkaClients(bootstrap, merged);
  }

  /** Reads a client config file ({@code key=value} lines, as Kafka tools' --command-config). */
  public static Map<String, String> readFile(String file) {
    Path path = Path.of(file);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException(
          TlAlignOptions.KAFKA_CONFIG_FILE.key()
              + " (--kafka-config) "
              + file
              + " is not a readable file; pass a Kafka client config file such as"
              + " client.properties (key=value lines, e.g. security.protocol=SASL_SSL)");
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot read the Kafka client config file "
              + file
              + ": "
              + e.getMessage()
              + "; it must hold key=value lines",
          e);
    }
    Map<String, String> out = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> out.put(k.trim(), p.getProperty(k).trim()));
    return out;
  }

  /** The bootstrap servers ({@code host:port,...}); empty when none was given. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** The user's client properties (file and prefix keys merged), unresolved; no bootstrap. */
  public Map<String, String> properties() {
    return Collections.unmodifiableMap(properties);
  }

  /** The {@code security.protocol} these clients use ({@code PLAINTEXT} unless set). */
  public String securityProtocol() {
    return properties.getOrDefault("security.protocol", "PLAINTEXT").toUpperCase(Locale.ROOT);
  }

  /** The same clients for other bootstrap servers. */
  public KafkaClients withBootstrapServers(String servers) {
    return new KafkaClients(servers, properties);
  }

  /**
   * One client's configuration: the user's properties, then the bootstrap servers, then {@code own}
   * (what the system sets for this client), each overriding the ones before.
   */
  public Properties build(Map<String, ?> own) {
    Properties p = new Properties();
    p.putAll(properties);
    p.put("bootstrap.servers", bootstrapServers);
    own.forEach((k, v) -> p.put(k, v));
    return p;
  }

  /** {@link #build} with no setting of the system's own. */
  public Properties build() {
    return build(Map.of());
  }

  /** {@link #build} as a map, for clients that take one. */
  public Map<String, Object> buildMap(Map<String, ?> own) {
    Map<String, Object> out = new TreeMap<>();
    build(own).forEach((k, v) -> out.put((String) k, v));
    return out;
  }

  /** Whether a Kafka property holds a secret (and must never be printed or stored). */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return SECRET_KEY.matcher(k).matches() && !NOT_SECRET_SUFFIX.matcher(k).matches();
  }

  /**
   * {@code value} as it may be shown: a secret key's value is {@value #HIDDEN}, unless it is only a
   * config provider reference ({@code ${file:/path:key}}), which names where the secret is, not the
   * secret.
   */
  public static String masked(String key, String value) {
    if (!isSecret(key) || value == null || PROVIDER_REFERENCE.matcher(value.trim()).matches()) {
      return value;
    }
    return HIDDEN;
  }

  /** The settings for people: bootstrap servers and every property, secrets masked. */
  public String describe() {
    return "bootstrap.servers="
        + bootstrapServers
        + properties.entrySet().stream()
            .map(e -> ", " + e.getKey() + "=" + masked(e.getKey(), e.getValue()))
            .collect(Collectors.joining());
  }

  /**
   * {@code text} with every secret value of these clients replaced by {@value #HIDDEN}: for error
   * messages that may quote a configuration (Kafka's ConfigException does).
   */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String v = e.getValue();
      if (isSecret(e.getKey())
          && v != null
          && v.length() >= 3
          && !v.equals(masked(e.getKey(), v))) {
        out = out.replace(v, HIDDEN);
        // And the quoted options of a JAAS line alone (password="..."), as a message may quote.
        Matcher quoted = JAAS_SECRET.matcher(v);
        while (quoted.find()) {
          if (quoted.group(2).length() >= 3) {
            out = out.replace(quoted.group(2), HIDDEN);
          }
        }
      }
    }
    return out;
  }

  /**
   * A copy of a job configuration map whose {@value #PREFIX} secrets are masked: what may be shown
   * (Flink's web UI shows a job's configuration) or written to a file.
   */
  public static Map<String, String> maskedConfiguration(Map<String, String> conf) {
    Map<String, String> out = new TreeMap<>();
    conf.forEach(
        (k, v) -> out.put(k, k.startsWith(PREFIX) ? masked(k.substring(PREFIX.length()), v) : v));
    return out;
  }

  @Override
  public String toString() {
    return "KafkaClients[" + describe() + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KafkaClients k
        && k.bootstrapServers.equals(bootstrapServers)
        && k.properties.equals(properties);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bootstrapServers, properties);
  }
}
