package io.tlalign.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.tlalign.cli.Main;
import io.tlalign.job.KafkaAccessCheck;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.common.acl.AclOperation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Kafka security of the manifests: a Strimzi KafkaUser per program whose ACLs cover what the job's
 * own code says it does (KafkaAccessCheck) and nothing cluster-wide, credentials and the cluster CA
 * mounted from the Secrets Strimzi creates and resolved by config providers, and no credential in
 * any manifest.
 */
class KafkaSecurityManifestTest {

  static final String CLIENT_FILE = "/etc/tlalign/kafka-client/client.properties";
  static final String CLUSTER_CA_SECRET = "tlalign-cluster-ca-cert";
  static final Pattern REFERENCE = Pattern.compile("\\$\\{(dir|file):([^:}]+):([^}]+)}");

  static Stream<String> variants() {
    return FlinkDeploymentManifestTest.variants();
  }

  /** The job's configuration as FlinkEntryPoint builds it from the manifest's arguments. */
  static Configuration jobConfiguration(String variant) {
    var d = FlinkDeploymentManifestTest.deployment(variant);
    return Configuration.fromMap(ParameterTool.fromArgs(d.getSpec().getJob().getArgs()).toMap());
  }

  static JsonNode user(String variant, String name) {
    return Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaUser").stream()
        .filter(u -> u.at("/metadata/name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no KafkaUser " + name + " in " + variant));
  }

  /** The operations a KafkaUser's ACLs grant on one resource name (literal or prefix match). */
  static Set<AclOperation> granted(JsonNode user, String type, String name) {
    Set<AclOperation> ops = new java.util.HashSet<>();
    for (JsonNode acl : user.at("/spec/authorization/acls")) {
      JsonNode r = acl.path("resource");
      if (!r.path("type").asText().equals(type)) {
        continue;
      }
      String pattern = r.path("patternType").asText("literal");
      String n = r.path("name").asText();
      boolean match = pattern.equals("prefix") ? name.startsWith(n) : name.equals(n);
      if (match) {
        acl.path("operations")
            .forEach(o -> ops.add(AclOperation.fromString(o.asText().toUpperCase(Locale.ROOT))));
      }
    }
    return ops;
  }

  /** Which KafkaUser's Secret a pod mounts at /etc/tlalign/kafka-user. */
  static String mountedUser(PodSpec pod, Container c) {
    String volume =
        c.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals("/etc/tlalign/kafka-user"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no KafkaUser Secret mounted"))
            .getName();
    Volume v =
        pod.getVolumes().stream().filter(x -> x.getName().equals(volume)).findFirst().orElseThrow();
    assertThat(v.getSecret()).as("a Secret (the one Strimzi makes for the user)").isNotNull();
    return v.getSecret().getSecretName();
  }

  /** The client properties the ConfigMap gives both programs. */
  static Map<String, String> clientProperties(String variant) throws IOException {
    JsonNode cm =
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "ConfigMap").stream()
            .filter(c -> c.at("/metadata/name").asText().equals("tlalign-kafka-client"))
            .findFirst()
            .orElseThrow();
    Properties p = new Properties();
    p.load(new StringReader(cm.at("/data/client.properties").asText()));
    Map<String, String> out = new HashMap<>();
    p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
    return out;
  }

  @ParameterizedTest
  @MethodSource("variants")
  void theJobsUserCoversEveryTopicGroupAndTransactionalIdTheJobUses(String variant) {
    Configuration conf = jobConfiguration(variant);
    JsonNode user = user(variant, "tlalign-train");
    assertThat(user.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
    assertThat(user.at("/spec/authorization/type").asText()).isEqualTo("simple");
    assertThat(user.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("tlalign");

    // What the job's own access check asks for, on a run with evaluation (the FlinkDeployment's
    // unbounded job with a model store), must be granted.
    Map<String, Set<AclOperation>> needed = KafkaAccessCheck.requiredTopicOperations(conf);
    assertThat(needed).containsKeys(conf.get(TlAlignOptions.TRAIN_TOPIC));
    needed.forEach(
        (topic, ops) ->
            assertThat(granted(user, "topic", topic)).as("ACL on topic " + topic).containsAll(ops));
    for (String group : KafkaAccessCheck.groups(conf)) {
      assertThat(granted(user, "group", group)).as("group " + group).contains(AclOperation.READ);
    }
    // The exactly-once sinks: ids derived from the group id, and the sync sink's tlalign-sync-.
    for (String id :
        List.of(conf.get(TlAlignOptions.GROUP_ID) + "-deadletter-0", "tlalign-sync-run-0")) {
      assertThat(granted(user, "transactionalId", id)).as(id).contains(AclOperation.WRITE);
    }
    // Every topic the deployment names is covered; the KafkaTopics are the whole set.
    Set<String> kafkaTopics =
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaTopic").stream()
            .map(t -> t.at("/spec/topicName").asText())
            .collect(Collectors.toSet());
    assertThat(kafkaTopics).containsAll(needed.keySet());
  }

  @ParameterizedTest
  @MethodSource("variants")
  void aclsAreLimitedToTheJobsOwnResources(String variant) {
    Set<String> kafkaTopics =
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaTopic").stream()
            .map(t -> t.at("/spec/topicName").asText())
            .collect(Collectors.toSet());
    for (JsonNode user :
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaUser")) {
      for (JsonNode acl : user.at("/spec/authorization/acls")) {
        JsonNode r = acl.path("resource");
        String type = r.path("type").asText();
        String name = r.path("name").asText();
        String where = user.at("/metadata/name").asText() + ": " + acl;
        assertThat(type).as(where).isIn("topic", "group", "transactionalId");
        assertThat(name).as(where).isNotIn("*", "").doesNotContain("*");
        if (type.equals("topic")) {
          assertThat(r.path("patternType").asText("literal")).as(where).isEqualTo("literal");
          assertThat(kafkaTopics).as(where).contains(name);
        } else {
          assertThat(name).as(where).startsWith("tlalign-");
        }
        List<String> ops = new ArrayList<>();
        acl.path("operations").forEach(o -> ops.add(o.asText()));
        assertThat(ops).as(where).isNotEmpty().doesNotContain("All", "Create", "Delete", "Alter");
      }
    }
    // The replay only writes its topic.
    Job job =
        StrictModel.read(
            Kustomize.single(FlinkDeploymentManifestTest.build(variant), "Job"), Job.class);
    String[] args =
        job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().stream()
            .toArray(String[]::new);
    CommandLine.ParseResult replay = Main.commandLine().parseArgs(args).subcommand();
    String topic = Objects.toString(replay.matchedOption("--topic").getValue());
    JsonNode replayUser = user(variant, "tlalign-replay");
    assertThat(granted(replayUser, "topic", topic)).contains(AclOperation.WRITE);
    assertThat(replayUser.at("/spec/authorization/acls")).hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("variants")
  void bothProgramsReadCredentialsAndTheCaFromStrimzisSecretsThroughConfigProviders(String variant)
      throws IOException {
    Map<String, String> client = clientProperties(variant);
    assertThat(client)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("ssl.truststore.location", "/etc/tlalign/kafka-ca/ca.crt");
    Matcher jaas = REFERENCE.matcher(client.get("sasl.jaas.config"));
    assertThat(jaas.matches()).as("sasl.jaas.config is a config provider reference").isTrue();
    assertThat(client.get("config.providers")).isEqualTo(jaas.group(1));
    assertThat(client.get("config.providers." + jaas.group(1) + ".class"))
        .startsWith("org.apache.kafka.common.config.provider.");
    assertThat(jaas.group(2)).isEqualTo("/etc/tlalign/kafka-user");
    assertThat(jaas.group(3)).isEqualTo("sasl.jaas.config"); // a key of Strimzi's user Secret

    // The job: its arguments name the file; its pods mount the job user's Secret and the CA.
    var d = FlinkDeploymentManifestTest.deployment(variant);
    Configuration conf = jobConfiguration(variant);
    assertThat(conf.get(TlAlignOptions.KAFKA_CONFIG_FILE)).isEqualTo(CLIENT_FILE);
    assertThat(conf.get(TlAlignOptions.BOOTSTRAP_SERVERS)).endsWith(":9093");
    PodSpec flinkPod = d.getSpec().getPodTemplate().getSpec();
    Container main = flinkPod.getContainers().get(0);
    assertThat(mountedUser(flinkPod, main)).isEqualTo("tlalign-train");
    assertMountsCaAndClientFile(flinkPod, main);

    // The replay: the same file, its own user.
    Job job =
        StrictModel.read(
            Kustomize.single(FlinkDeploymentManifestTest.build(variant), "Job"), Job.class);
    PodSpec replayPod = job.getSpec().getTemplate().getSpec();
    Container replay = replayPod.getContainers().get(0);
    CommandLine.ParseResult parsed =
        Main.commandLine().parseArgs(replay.getArgs().toArray(String[]::new)).subcommand();
    assertThat(Objects.toString(parsed.matchedOption("--kafka-config").getValue()))
        .isEqualTo(CLIENT_FILE);
    assertThat(mountedUser(replayPod, replay)).isEqualTo("tlalign-replay");
    assertMountsCaAndClientFile(replayPod, replay);
  }

  private static void assertMountsCaAndClientFile(PodSpec pod, Container c) {
    Map<String, String> volumeAt = new HashMap<>();
    c.getVolumeMounts().forEach(m -> volumeAt.put(m.getMountPath(), m.getName()));
    Volume ca = volume(pod, volumeAt.get("/etc/tlalign/kafka-ca"));
    assertThat(ca.getSecret().getSecretName()).isEqualTo(CLUSTER_CA_SECRET);
    assertThat(ca.getSecret().getItems())
        .anySatisfy(i -> assertThat(i.getPath()).isEqualTo("ca.crt"));
    Volume file = volume(pod, volumeAt.get("/etc/tlalign/kafka-client"));
    assertThat(file.getConfigMap().getName()).isEqualTo("tlalign-kafka-client");
    c.getVolumeMounts().stream()
        .filter(m -> m.getMountPath().startsWith("/etc/tlalign/"))
        .forEach(m -> assertThat(m.getReadOnly()).as(m.getMountPath()).isTrue());
  }

  private static Volume volume(PodSpec pod, String name) {
    assertThat(name).as("volume mounted").isNotNull();
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void noCredentialAppearsInAnyManifest() throws IOException {
    Pattern inline =
        Pattern.compile(
            "(?i)(password\\s*[=:]\\s*(?!\\$\\{)\\S"
                + "|ScramLoginModule\\s+required"
                + "|PlainLoginModule\\s+required"
                + "|BEGIN [A-Z ]*PRIVATE KEY"
                + "|BEGIN CERTIFICATE)");
    List<Path> files = K8sManifestsTest.yamlFiles();
    for (Path f : files) {
      String text = Files.readString(f);
      Matcher m = inline.matcher(text);
      assertThat(m.find()).as(f + " holds a credential: " + (m.find(0) ? m.group() : "")).isFalse();
    }
    for (String variant : variants().toList()) {
      for (JsonNode r : FlinkDeploymentManifestTest.build(variant)) {
        assertThat(r.path("kind").asText())
            .as("no Secret is written in the manifests")
            .isNotEqualTo("Secret");
      }
      // Every secret-like client property is a config provider reference, not a value.
      clientPropertiesOrEmpty(variant)
          .forEach(
              (k, v) -> {
                if (KafkaClients.isSecret(k)) {
                  assertThat(REFERENCE.matcher(v).matches()).as(k).isTrue();
                }
              });
      jobConfiguration(variant)
          .toMap()
          .forEach(
              (k, v) -> {
                if (k.startsWith(KafkaClients.PREFIX)
                    && KafkaClients.isSecret(k.substring(KafkaClients.PREFIX.length()))) {
                  assertThat(REFERENCE.matcher(v).matches()).as(k).isTrue();
                }
              });
    }
  }

  private static Map<String, String> clientPropertiesOrEmpty(String variant) {
    try {
      return clientProperties(variant);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
