package io.tlalign.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.tlalign.cli.Main;
import io.tlalign.job.settings.TlAlignOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.java.utils.ParameterTool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every manifest under k8s/ parses, the overlays patch what the base has, and the rest fits. */
class K8sManifestsTest {

  static Stream<String> variants() {
    return FlinkDeploymentManifestTest.variants();
  }

  static Stream<String> overlays() {
    return Stream.of("overlays/cpu-dev", "overlays/gpu-prod");
  }

  static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> s = Files.walk(Kustomize.k8sDir())) {
      return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  @Test
  void everyYamlDocumentUnderK8sParses() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    for (Path f : files) {
      List<JsonNode> docs = Kustomize.readAll(f);
      assertThat(docs).as(f.toString()).isNotEmpty();
      for (JsonNode doc : docs) {
        if (doc.isArray()) { // a JSON 6902 patch
          assertThat(doc).as(f.toString()).allSatisfy(op -> assertThat(op.has("op")).isTrue());
        } else {
          assertThat(doc.path("apiVersion").asText()).as(f + " apiVersion").isNotBlank();
          assertThat(doc.path("kind").asText()).as(f + " kind").isNotBlank();
          if (!doc.path("kind").asText().equals("Kustomization")) {
            assertThat(doc.at("/metadata/name").asText()).as(f + " metadata.name").isNotBlank();
          }
        }
      }
    }
  }

  @Test
  void everyResourceFileIsInAKustomization() throws IOException {
    Set<Path> used = new HashSet<>();
    for (String dir : List.of("base", "overlays/cpu-dev", "overlays/gpu-prod")) {
      Path d = Kustomize.k8sDir().resolve(dir);
      used.add(d.resolve("kustomization.yaml"));
      JsonNode k = Kustomize.readOne(d.resolve("kustomization.yaml"));
      k.path("resources").forEach(r -> used.add(d.resolve(r.asText()).normalize()));
      k.path("patches").forEach(p -> used.add(d.resolve(p.path("path").asText()).normalize()));
    }
    assertThat(yamlFiles()).allSatisfy(f -> assertThat(used).as("unused: " + f).contains(f));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void eachOverlayPatchTargetsAResourceOfTheBase(String overlay) {
    List<JsonNode> base = Kustomize.build(Kustomize.k8sDir().resolve("base"));
    JsonNode k =
        Kustomize.readOne(Kustomize.k8sDir().resolve(overlay).resolve("kustomization.yaml"));
    assertThat(k.path("resources").toString()).contains("../../base");
    assertThat(k.path("patches")).isNotEmpty();
    for (JsonNode patch : k.path("patches")) {
      JsonNode target = patch.path("target");
      assertThat(target.has("kind")).as("patch target names a kind: " + patch).isTrue();
      long hits = base.stream().filter(r -> Kustomize.matches(target, r)).count();
      if (target.has("name")) {
        assertThat(hits).as("base resource for " + target).isEqualTo(1);
      } else {
        assertThat(hits).as("base resources for " + target).isPositive();
      }
    }
    // And the patches apply (add/replace/remove paths exist).
    assertThat(Kustomize.build(Kustomize.k8sDir().resolve(overlay)))
        .hasSizeGreaterThanOrEqualTo(base.size());
  }

  @ParameterizedTest
  @MethodSource("variants")
  void resourceNamesAreUniquePerKind(String variant) {
    List<String> ids =
        FlinkDeploymentManifestTest.build(variant).stream()
            .map(r -> r.path("kind").asText() + "/" + r.at("/metadata/name").asText())
            .toList();
    assertThat(ids).doesNotHaveDuplicates();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void kafkaTopicsAreTheJobsDefaultTopics(String variant) {
    List<JsonNode> topics =
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaTopic");
    Set<String> names =
        topics.stream().map(t -> t.at("/spec/topicName").asText()).collect(Collectors.toSet());
    List<String> expected =
        new ArrayList<>(
            List.of(
                TlAlignOptions.TRAIN_TOPIC.defaultValue(),
                TlAlignOptions.EVAL_TOPIC.defaultValue(),
                TlAlignOptions.DEAD_LETTER_TOPIC.defaultValue(),
                TlAlignOptions.METRICS_TOPIC.defaultValue(),
                TlAlignOptions.MODELS_TOPIC.defaultValue()));
    if (replicas(variant) > 1) {
      expected.add(TlAlignOptions.SYNC_TOPIC.defaultValue());
    }
    assertThat(names).containsExactlyInAnyOrderElementsOf(expected);
    for (JsonNode t : topics) {
      String name = t.at("/spec/topicName").asText();
      assertThat(t.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1beta2");
      assertThat(t.at("/metadata/name").asText()).isEqualTo(name);
      assertThat(t.at("/metadata/labels/strimzi.io~1cluster").asText()).isNotBlank();
      int partitions = t.at("/spec/partitions").asInt();
      int replicas = t.at("/spec/replicas").asInt();
      int minIsr = Integer.parseInt(t.at("/spec/config/min.insync.replicas").asText());
      assertThat(partitions).isPositive();
      assertThat(minIsr).isBetween(1, replicas);
      if (replicas > 1) {
        assertThat(minIsr).as(name + ": one broker may be down").isLessThan(replicas);
      }
    }
    JsonNode train =
        topics.stream()
            .filter(t -> t.at("/spec/topicName").asText().equals("images.train"))
            .findFirst()
            .orElseThrow();
    long retention = Long.parseLong(train.at("/spec/config/retention.ms").asText());
    assertThat(retention == -1 || retention >= 30L * 24 * 3600 * 1000)
        .as("images.train is kept long enough to replay")
        .isTrue();
    assertThat(Long.parseLong(train.at("/spec/config/max.message.bytes").asText()))
        .isGreaterThanOrEqualTo(8_388_608L);
    // One ordered stream, as the replay creates it by default.
    assertThat(train.at("/spec/partitions").asInt()).isEqualTo(1);
  }

  /** tlalign.replicas from the job's arguments (1 when not set, the option's default). */
  private static int replicas(String variant) {
    var d = FlinkDeploymentManifestTest.deployment(variant);
    Map<String, String> args = ParameterTool.fromArgs(d.getSpec().getJob().getArgs()).toMap();
    return Integer.parseInt(
        args.getOrDefault(
            TlAlignOptions.REPLICAS.key(), TlAlignOptions.REPLICAS.defaultValue().toString()));
  }

  @ParameterizedTest
  @MethodSource("variants")
  void replicasMatchTheGpuTaskManagersAndTheSyncTopicFitsARound(String variant) {
    var d = FlinkDeploymentManifestTest.deployment(variant);
    Map<String, String> conf = d.getSpec().getFlinkConfiguration();
    Map<String, String> args = ParameterTool.fromArgs(d.getSpec().getJob().getArgs()).toMap();
    int slots = Integer.parseInt(conf.get("taskmanager.numberOfTaskSlots"));
    int parallelism = d.getSpec().getJob().getParallelism();
    // The operator starts parallelism / slots task managers (no fixed taskManager.replicas).
    assertThat(d.getSpec().getTaskManager().getReplicas()).isNull();
    int taskManagers = (parallelism + slots - 1) / slots;
    int replicas = replicas(variant);
    if (conf.containsKey("external-resource.gpu.amount")) {
      assertThat(slots).as("one slot, so one replica, per GPU task manager").isEqualTo(1);
      assertThat(Integer.parseInt(conf.get("external-resource.gpu.amount"))).isEqualTo(1);
      assertThat(replicas).as("tlalign.replicas = GPU task managers").isEqualTo(taskManagers);
    } else {
      assertThat(replicas).isEqualTo(1);
    }
    if (replicas == 1) {
      return;
    }
    assertThat(conf.get("execution.checkpointing.unaligned.forced"))
        .as("the replicas' custom partitioner with unaligned checkpoints")
        .isEqualTo("true");
    String topicName =
        args.getOrDefault(
            TlAlignOptions.SYNC_TOPIC.key(), TlAlignOptions.SYNC_TOPIC.defaultValue());
    JsonNode topic =
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaTopic").stream()
            .filter(t -> t.at("/spec/topicName").asText().equals(topicName))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no KafkaTopic for the sync topic " + topicName));
    var jobConf = org.apache.flink.configuration.Configuration.fromMap(args);
    int needed = io.tlalign.job.JobTopics.syncPartitions(jobConf);
    assertThat(needed)
        .as("the sharded exchange: partition 0 for reduced shards, 1 + s for shard s")
        .isEqualTo(1 + replicas);
    assertThat(topic.at("/spec/partitions").asInt())
        .as("the partitions tlalign.sync.exchange needs (each keeps a writer's chunks in order)")
        .isEqualTo(needed);
    // A sharded round is visible after two checkpoints: the S x K steps before it is due must
    // outlast them, at the 0.2 s a step of the class of model this overlay runs takes.
    long checkpointMs =
        org.apache.flink.util.TimeUtils.parseDuration(conf.get("execution.checkpointing.interval"))
            .toMillis();
    int every = Integer.parseInt(args.get(TlAlignOptions.SYNC_EVERY_STEPS.key()));
    int lag = Integer.parseInt(args.get(TlAlignOptions.SYNC_APPLY_LAG_ROUNDS.key()));
    assertThat(lag * every * 200L)
        .as("S x K x 0.2 s covers two checkpoint intervals plus a margin")
        .isGreaterThan(2 * checkpointMs + 10_000);
    int chunk =
        Integer.parseInt(
            args.getOrDefault(
                TlAlignOptions.SYNC_CHUNK_BYTES.key(),
                TlAlignOptions.SYNC_CHUNK_BYTES.defaultValue().toString()));
    long maxMessage = Long.parseLong(topic.at("/spec/config/max.message.bytes").asText());
    assertThat(maxMessage)
        .as("max.message.bytes fits a chunk and its header")
        .isGreaterThanOrEqualTo(io.tlalign.job.sync.SyncSink.maxMessageBytes(chunk));
    long retention = Long.parseLong(topic.at("/spec/config/retention.ms").asText());
    long savepointAgeMs = 7L * 24 * 3600 * 1000; // kubernetes.operator.savepoint.history.max.age
    assertThat(retention == -1 || retention >= savepointAgeMs)
        .as("rounds outlive the oldest savepoint a restore may start from")
        .isTrue();
    long retentionBytes = Long.parseLong(topic.at("/spec/config/retention.bytes").asText());
    // DeiT-S parameters are 88 MB. retention.bytes caps each partition, and sharded each
    // partition takes one model per round (P shards of M/P, or P reduced shards of M/P).
    assertThat(retentionBytes == -1 || retentionBytes >= 20L * 88_000_000L)
        .as("retention.bytes holds 20 rounds of DeiT-S per partition")
        .isTrue();
  }

  /** An operator wider than the cluster's slots never gets scheduled: the job waits forever. */
  @ParameterizedTest
  @MethodSource("variants")
  void decodingAndReplicasFitTheTaskManagersSlots(String variant) {
    var d = FlinkDeploymentManifestTest.deployment(variant);
    Map<String, String> args = ParameterTool.fromArgs(d.getSpec().getJob().getArgs()).toMap();
    int slots =
        Integer.parseInt(d.getSpec().getFlinkConfiguration().get("taskmanager.numberOfTaskSlots"));
    int parallelism = d.getSpec().getJob().getParallelism();
    int available = (parallelism + slots - 1) / slots * slots;
    int decode =
        Integer.parseInt(
            args.getOrDefault(
                TlAlignOptions.DECODE_PARALLELISM.key(),
                TlAlignOptions.DECODE_PARALLELISM.defaultValue().toString()));
    assertThat(decode).as("tlalign.decode.parallelism within the slots").isBetween(1, available);
    assertThat(replicas(variant)).as("tlalign.replicas within the slots").isBetween(1, available);
  }

  @ParameterizedTest
  @MethodSource("variants")
  void flinkDeploymentArgsNameTheTopicsAndTheBootstrapServers(String variant) {
    var d = FlinkDeploymentManifestTest.deployment(variant);
    Map<String, String> args = ParameterTool.fromArgs(d.getSpec().getJob().getArgs()).toMap();
    Set<String> topics =
        Kustomize.ofKind(FlinkDeploymentManifestTest.build(variant), "KafkaTopic").stream()
            .map(t -> t.at("/spec/topicName").asText())
            .collect(Collectors.toSet());
    args.forEach(
        (k, v) -> {
          if (k.startsWith("tlalign.topic.")) {
            assertThat(topics).as(k).contains(v);
          }
        });
    // The TLS listener with SCRAM (KafkaSecurityManifestTest checks the credentials).
    assertThat(args.get(TlAlignOptions.BOOTSTRAP_SERVERS.key())).endsWith(":9093");
  }

  @ParameterizedTest
  @MethodSource("variants")
  void replayJobParsesAndRunsTheProjectsReplayCommand(String variant) {
    List<JsonNode> resources = FlinkDeploymentManifestTest.build(variant);
    Job job = StrictModel.read(Kustomize.single(resources, "Job"), Job.class);
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    // Created suspended: it starts once the datasets volume is filled (README).
    assertThat(job.getSpec().getSuspend()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(9999L);
    Container c = pod.getContainers().get(0);
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();

    var flink = FlinkDeploymentManifestTest.deployment(variant);
    assertThat(c.getImage()).isEqualTo(flink.getSpec().getImage());
    assertThat(c.getCommand()).contains("io.tlalign.cli.Main");
    assertThat(String.join(" ", c.getCommand())).contains("/opt/flink/usrlib/tlalign-job.jar");
    assertThat(String.join(" ", c.getCommand())).contains("/opt/tlalign/tlalign-cli.jar");

    // The project's own command line accepts the arguments.
    String[] args = c.getArgs().toArray(String[]::new);
    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(args);
    assertThat(parsed.subcommand().commandSpec().name()).isEqualTo("replay");
    CommandLine.ParseResult replay = parsed.subcommand();
    String topic = Objects.toString(replay.matchedOption("--topic").getValue());
    String bootstrap = Objects.toString(replay.matchedOption("--bootstrap-servers").getValue());
    assertThat(topic).isEqualTo(TlAlignOptions.TRAIN_TOPIC.defaultValue());
    Map<String, String> jobArgs =
        ParameterTool.fromArgs(flink.getSpec().getJob().getArgs()).toMap();
    assertThat(bootstrap).isEqualTo(jobArgs.get(TlAlignOptions.BOOTSTRAP_SERVERS.key()));

    // The dataset volume is a PVC that the build provides.
    String path = Objects.toString(replay.matchedOption("--path").getValue());
    assertThat(c.getVolumeMounts())
        .anySatisfy(m -> assertThat(path).startsWith(m.getMountPath() + "/"));
    Set<String> claims =
        Kustomize.ofKind(resources, "PersistentVolumeClaim").stream()
            .map(p -> p.at("/metadata/name").asText())
            .collect(Collectors.toSet());
    pod.getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .forEach(v -> assertThat(claims).contains(v.getPersistentVolumeClaim().getClaimName()));
  }

  @ParameterizedTest
  @MethodSource("variants")
  void podMonitorScrapesTheFlinkPods(String variant) {
    List<JsonNode> resources = FlinkDeploymentManifestTest.build(variant);
    JsonNode pm = Kustomize.single(resources, "PodMonitor");
    assertThat(pm.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    var flink = FlinkDeploymentManifestTest.deployment(variant);
    // Flink's native Kubernetes integration labels its pods app=<cluster id>.
    assertThat(pm.at("/spec/selector/matchLabels/app").asText())
        .isEqualTo(flink.getMetadata().getName());
    List<String> ports = new ArrayList<>();
    pm.at("/spec/podMetricsEndpoints").forEach(e -> ports.add(e.path("port").asText()));
    assertThat(ports).isNotEmpty();
    List<String> declared =
        flink.getSpec().getPodTemplate().getSpec().getContainers().stream()
            .flatMap(c -> c.getPorts().stream())
            .map(p -> p.getName())
            .toList();
    assertThat(declared).containsAll(ports);
    // Everything in one namespace, so the selector and the Secret references resolve.
    assertThat(resources.stream().map(r -> r.at("/metadata/namespace").asText()).distinct())
        .containsExactly("tlalign");
  }
}
