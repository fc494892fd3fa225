package io.tlalign.job.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.JobValidation;
import io.tlalign.job.resume.JobIdentity;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientsTest {

  @TempDir Path dir;

  private Path file(String text) throws Exception {
    Path f = dir.resolve("client.properties");
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void systemSettingsWinOverPrefixKeysWhichWinOverTheFile() throws Exception {
    Path f =
        file(
            "security.protocol=SSL\n"
                + "sasl.mechanism=SCRAM-SHA-512\n"
                + "isolation.level=read_uncommitted\n"
                + "bootstrap.servers=from-file:1\n"
                + "client.rack=file\n");
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, "explicit:9093");
    conf.set(TlAlignOptions.KAFKA_CONFIG_FILE, f.toString());
    conf.setString("tlalign.kafka.properties.security.protocol", "SASL_SSL");
    conf.setString("tlalign.kafka.properties.bootstrap.servers", "from-prefix:2");
    conf.setString("tlalign.kafka.properties.isolation.level", "read_uncommitted");

    KafkaClients kafka = KafkaClients.from(conf);
    Properties p = kafka.build(Map.of("isolation.level", "read_committed"));

    assertThat(p.getProperty("bootstrap.servers")).isEqualTo("explicit:9093");
    assertThat(p.getProperty("security.protocol")).isEqualTo("SASL_SSL"); // prefix over file
    assertThat(p.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512"); // file only
    assertThat(p.getProperty("client.rack")).isEqualTo("file");
    assertThat(p.getProperty("isolation.level")).isEqualTo("read_committed"); // system's own
    assertThat(kafka.securityProtocol()).isEqualTo("SASL_SSL");
  }

  @Test
  void bootstrapServersFromTheFileWhenNoOptionGivesThem() throws Exception {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.KAFKA_CONFIG_FILE, file("bootstrap.servers=b:9092\n").toString());
    assertThat(KafkaClients.from(conf).bootstrapServers()).isEqualTo("b:9092");
    assertThat(KafkaClients.from(conf).properties()).doesNotContainKey("bootstrap.servers");
  }

  @Test
  void configProviderReferencesStayUnresolved() throws Exception {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, "b:9093");
    conf.setString("tlalign.kafka.properties.config.providers", "file");
    conf.setString("tlalign.kafka.properties.sasl.jaas.config", "${file:/etc/kafka/u:jaas}");
    Properties p = KafkaClients.from(conf).build();
    assertThat(p.getProperty("sasl.jaas.config")).isEqualTo("${file:/etc/kafka/u:jaas}");
  }

  @Test
  void anUnreadableConfigFileIsNamedWithTheFix() {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, "b:9093");
    conf.set(TlAlignOptions.KAFKA_CONFIG_FILE, dir.resolve("nope.properties").toString());
    assertThatThrownBy(() -> JobValidation.validate(conf))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nope.properties")
        .hasMessageContaining("--kafka-config")
        .hasMessageContaining("is not a readable file");
  }

  @Test
  void secretsAreMaskedButTheirNamesAndReferencesShow() {
    KafkaClients kafka =
        KafkaClients.of(
            "b:9093",
            Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"u\" password=\"hunter2-pw\";",
                "ssl.truststore.password", "trust-pw",
                "ssl.keystore.key", "-----BEGIN PRIVATE KEY-----abc",
                "ssl.key.password", "${file:/etc/tls/p:key}",
                "sasl.oauthbearer.client.credentials.client.secret", "oauth-secret",
                "ssl.truststore.location", "/etc/tls/ca.p12",
                "key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer"));
    String shown = kafka.describe() + " " + kafka;
    assertThat(shown)
        .doesNotContain("hunter2-pw", "trust-pw", "PRIVATE KEY", "oauth-secret")
        .contains("sasl.jaas.config=[hidden]")
        .contains("ssl.truststore.password=[hidden]")
        .contains("ssl.key.password=${file:/etc/tls/p:key}")
        .contains("ssl.truststore.location=/etc/tls/ca.p12")
        .contains("key.serializer=org.apache.kafka")
        .contains("security.protocol=SASL_SSL");
    assertThat(kafka.redact("Invalid value trust-pw for ssl.truststore.password"))
        .isEqualTo("Invalid value [hidden] for ssl.truststore.password");
  }

  @Test
  void theMaskedJobConfigurationHidesPrefixSecretsOnly() {
    Map<String, String> masked =
        KafkaClients.maskedConfiguration(
            Map.of(
                "tlalign.kafka.properties.sasl.jaas.config", "... password=\"pw-1\";",
                "tlalign.kafka.properties.security.protocol", "SASL_SSL",
                "tlalign.batch-size", "16"));
    assertThat(masked)
        .containsEntry("tlalign.kafka.properties.sasl.jaas.config", "[hidden]")
        .containsEntry("tlalign.kafka.properties.security.protocol", "SASL_SSL")
        .containsEntry("tlalign.batch-size", "16");
  }

  @Test
  void theJobIdentityFileHoldsNoKafkaClientProperty() throws Exception {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, "b:9093");
    conf.setString("tlalign.kafka.properties.sasl.jaas.config", "x password=\"pw-identity\";");
    conf.setString("tlalign.kafka.properties.ssl.truststore.password", "pw-trust");
    JobIdentity.of(conf).writeTo(dir);
    String text = Files.readString(dir.resolve("tlalign-job.properties"));
    assertThat(text).doesNotContain("pw-identity", "pw-trust", "tlalign.kafka.properties");
  }

  @Test
  void serializedWithTheJobItCarriesReferencesNotResolvedSecrets() throws Exception {
    Path secret = dir.resolve("secret.properties");
    Files.writeString(secret, "password=resolved-secret-value\n");
    KafkaClients kafka =
        KafkaClients.of(
            "b:9093",
            Map.of(
                "config.providers", "file",
                "config.providers.file.class",
                    "org.apache.kafka.common.config.provider.FileConfigProvider",
                "ssl.truststore.password", "${file:" + secret + ":password}"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(kafka);
    }
    String wire = bytes.toString(StandardCharsets.ISO_8859_1);
    assertThat(wire).contains("${file:").doesNotContain("resolved-secret-value");
  }
}
