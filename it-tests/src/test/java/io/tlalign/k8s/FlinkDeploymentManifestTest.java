package io.tlalign.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.tlalign.job.JobValidation;
import io.tlalign.job.settings.TlAlignOptions;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.KubernetesDeploymentMode;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The FlinkDeployment of k8s/base and of each overlay (after its patches), checked against the
 * Flink Kubernetes Operator's own classes, Flink 1.20's configuration options and the job's own
 * argument parsing.
 */
class FlinkDeploymentManifestTest {

  /**
   * Keys that no ConfigOption on the test classpath declares, each with why it is right.
   *
   * <ul>
   *   <li>kubernetes.operator.*: read by the Flink Kubernetes Operator, not by Flink
   *       (KubernetesOperatorConfigOptions in flink-kubernetes-operator, which is not a test
   *       dependency; the operator reads them from flinkConfiguration per deployment).
   *   <li>metrics.reporter.prom.*: per-reporter keys, metrics.reporter.&lt;name&gt;.&lt;option&gt;;
   *       "factory.class" is MetricOptions.REPORTER_FACTORY_CLASS (checked below), "port" is the
   *       Prometheus reporter's own option (flink-metrics-prometheus, a plugin).
   *   <li>external-resource.gpu.*: per-resource keys,
   *       external-resource.&lt;name&gt;.&lt;option&gt;; amount and driver-factory.class are
   *       ExternalResourceOptions' templates (checked below), kubernetes.config-key is
   *       KubernetesConfigOptions' suffix (flink-kubernetes) and param.discovery-script.path is the
   *       GPU plugin's GPUDriverOptions (a plugin).
   * </ul>
   */
  static final Map<String, String> ALLOWED =
      Map.ofEntries(
          Map.entry(
              "kubernetes.operator.periodic.savepoint.interval", "operator: periodic savepoints"),
          Map.entry(
              "kubernetes.operator.savepoint.history.max.count",
              "operator: savepoint history limit (count)"),
          Map.entry(
              "kubernetes.operator.savepoint.history.max.age",
              "operator: savepoint history limit (age)"),
          Map.entry(
              "kubernetes.operator.savepoint.format.type",
              "operator: format of the savepoints it triggers"),
          Map.entry(
              "metrics.reporter.prom.factory.class",
              "MetricOptions.REPORTER_FACTORY_CLASS for reporter 'prom'"),
          Map.entry("metrics.reporter.prom.port", "PrometheusReporter port (plugin option)"),
          Map.entry(
              "external-resource.gpu.amount",
              "ExternalResourceOptions.getAmountConfigOptionForResource(gpu)"),
          Map.entry(
              "external-resource.gpu.driver-factory.class",
              "ExternalResourceOptions.getExternalResourceDriverFactoryConfigOptionForResource"),
          Map.entry(
              "external-resource.gpu.kubernetes.config-key",
              "KubernetesConfigOptions.EXTERNAL_RESOURCE_KUBERNETES_CONFIG_KEY_SUFFIX (flink-kubernetes)"),
          Map.entry(
              "external-resource.gpu.param.discovery-script.path",
              "GPUDriverOptions.DISCOVERY_SCRIPT_PATH (external-resource-gpu plugin)"));

  /**
   * Deprecated Flink 1.20 keys that stay on purpose, each with why. Flink 1.20 renamed
   * state.checkpoints.dir and state.savepoints.dir (to execution.checkpointing.dir and
   * execution.checkpointing.savepoint-dir) but still reads the old names; the Flink Kubernetes
   * Operator 1.10 is built on Flink 1.19 and looks for the old names when it validates last-state
   * upgrades and when it triggers savepoints, so the old names are the ones both understand.
   */
  static final Map<String, String> DEPRECATED_ON_PURPOSE =
      Map.of(
          "state.checkpoints.dir", "operator 1.10 (Flink 1.19 names) checks it for last-state",
          "state.savepoints.dir", "operator 1.10 (Flink 1.19 names) needs it for savepoints");

  static Stream<String> variants() {
    return Stream.of("base", "overlays/cpu-dev", "overlays/gpu-prod");
  }

  static List<JsonNode> build(String variant) {
    return Kustomize.build(Kustomize.k8sDir().resolve(variant));
  }

  static JsonNode manifest(String variant) {
    return Kustomize.single(build(variant), "FlinkDeployment");
  }

  static FlinkDeployment deployment(String variant) {
    return StrictModel.read(manifest(variant), FlinkDeployment.class);
  }

  static Map<String, String> conf(String variant) {
    return deployment(variant).getSpec().getFlinkConfiguration();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void deserializesIntoTheOperatorsClassesWithUnknownFieldsFailing(String variant) {
    FlinkDeployment d = deployment(variant);
    assertThat(d.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
    assertThat(d.getSpec().getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
    assertThat(d.getSpec().getMode()).isIn(null, KubernetesDeploymentMode.NATIVE);
    assertThat(d.getSpec().getJob().getJarURI())
        .isEqualTo("local:///opt/flink/usrlib/tlalign-job.jar");
    assertThat(d.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.LAST_STATE);
    assertThat(d.getSpec().getJob().getState()).isEqualTo(JobState.RUNNING);
    assertThat(d.getSpec().getServiceAccount()).isNotBlank();
  }

  @Test
  void unknownFieldsDoFail() {
    ObjectNode typo = (ObjectNode) manifest("base").deepCopy();
    ((ObjectNode) typo.at("/spec/job")).put("jarUri", "local:///x.jar");
    assertThatThrownBy(() -> StrictModel.read(typo, FlinkDeployment.class))
        .hasMessageContaining("jarUri");

    ObjectNode podTypo = (ObjectNode) manifest("base").deepCopy();
    ((ObjectNode) podTypo.at("/spec/podTemplate/spec")).put("nodeSelectr", "x");
    assertThatThrownBy(() -> StrictModel.read(podTypo, FlinkDeployment.class))
        .hasMessageContaining("nodeSelectr");
  }

  @ParameterizedTest
  @MethodSource("variants")
  void everyFlinkConfigurationKeyIsKnownToFlinkOrAllowListed(String variant) {
    Map<String, String> known = FlinkConfigKeys.known();
    assertThat(known).containsKeys("taskmanager.numberOfTaskSlots", "high-availability.type");
    Set<String> unknown = new HashSet<>();
    for (String key : conf(variant).keySet()) {
      if (!known.containsKey(key) && !ALLOWED.containsKey(key)) {
        unknown.add(key);
      }
    }
    assertThat(unknown).as("keys that no Flink 1.20 ConfigOption declares").isEmpty();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void deprecatedKeysOnlyWhereTheOperatorNeedsThem(String variant) {
    Map<String, String> known = FlinkConfigKeys.known();
    for (String key : conf(variant).keySet()) {
      String current = known.get(key);
      if (current != null && !current.equals(key)) {
        assertThat(DEPRECATED_ON_PURPOSE)
            .as(key + " is deprecated in Flink 1.20; use " + current)
            .containsKey(key);
      }
    }
    assertThat(known.get("state.checkpoints.dir")).isEqualTo("execution.checkpointing.dir");
  }

  @Test
  void allowListedTemplateKeysAreFlinksOwn() {
    assertThat("metrics.reporter.prom." + MetricOptions.REPORTER_FACTORY_CLASS.key())
        .isEqualTo("metrics.reporter.prom.factory.class");
    assertThat(ExternalResourceOptions.getAmountConfigOptionForResource("gpu"))
        .isEqualTo("external-resource.gpu.amount");
    assertThat(
            ExternalResourceOptions.getExternalResourceDriverFactoryConfigOptionForResource("gpu"))
        .isEqualTo("external-resource.gpu.driver-factory.class");
    assertThat(
            ExternalResourceOptions.getSystemConfigKeyConfigOptionForResource(
                "gpu", "kubernetes.config-key"))
        .isEqualTo("external-resource.gpu.kubernetes.config-key");
    assertThat(ExternalResourceOptions.getExternalResourceParamConfigPrefixForResource("gpu"))
        .isEqualTo("external-resource.gpu.param.");
    // An allow-listed key must not shadow a real option (then it belongs to the known set).
    assertThat(FlinkConfigKeys.known().keySet()).doesNotContainAnyElementsOf(ALLOWED.keySet());
  }

  @ParameterizedTest
  @MethodSource("variants")
  void flinkConfigurationValuesParseAsTheirOptions(String variant) {
    Configuration c = Configuration.fromMap(conf(variant));
    assertThat(c.get(TaskManagerOptions.NUM_TASK_SLOTS)).isEqualTo(1);
    assertThat(c.get(HighAvailabilityOptions.HA_MODE)).isEqualTo("kubernetes");
    assertThat(c.get(HighAvailabilityOptions.HA_STORAGE_PATH)).isNotBlank();
    assertThat(c.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isNotBlank();
    assertThat(c.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).isNotBlank();
    assertThat(c.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isPositive();
    assertThat(c.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
    assertThat(c.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL))
        .contains("ai.djl.");
    assertThat(c.get(CoreOptions.FLINK_JVM_OPTIONS))
        .contains("-Dai.djl.offline=true")
        .contains("-DDJL_CACHE_DIR=/opt/djl-cache");
    assertThat(
            TimeUtils.parseDuration(
                conf(variant).get("kubernetes.operator.periodic.savepoint.interval")))
        .isPositive();
    assertThat(
            TimeUtils.parseDuration(
                conf(variant).get("kubernetes.operator.savepoint.history.max.age")))
        .isPositive();
    assertThat(
            Integer.parseInt(conf(variant).get("kubernetes.operator.savepoint.history.max.count")))
        .isPositive();
    assertThat(conf(variant).get("metrics.reporter.prom.factory.class"))
        .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
  }

  @ParameterizedTest
  @MethodSource("variants")
  void memoryBudgetLeavesRoomForNativePyTorch(String variant) {
    FlinkDeployment d = deployment(variant);
    Configuration c = Configuration.fromMap(conf(variant));
    long bytes =
        Quantity.getAmountInBytes(
                new Quantity(d.getSpec().getTaskManager().getResource().getMemory()))
            .longValueExact();
    c.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, new MemorySize(bytes));
    // Flink's own arithmetic; it throws where the budget does not add up.
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(c);
    assertThat(spec.getTaskOffHeapSize().getBytes())
        .isGreaterThanOrEqualTo(MemorySize.parse("1g").getBytes());
    assertThat(spec.getTaskHeapSize().getBytes())
        .isGreaterThanOrEqualTo(MemorySize.parse("1g").getBytes());
    assertThat(spec.getJvmOverheadSize().getBytes())
        .isGreaterThanOrEqualTo(MemorySize.parse("1g").getBytes());
  }

  @ParameterizedTest
  @MethodSource("variants")
  void entryClassAndArgsParseWithTheJobsOwnCode(String variant) throws Exception {
    FlinkDeployment d = deployment(variant);
    Class<?> entry = Class.forName(d.getSpec().getJob().getEntryClass());
    Method main = entry.getMethod("main", String[].class);
    assertThat(Modifier.isStatic(main.getModifiers())).isTrue();

    String[] args = d.getSpec().getJob().getArgs();
    // As FlinkEntryPoint.main does it.
    Map<String, String> parsed = ParameterTool.fromArgs(args).toMap();
    assertThat(parsed).hasSize(args.length / 2);
    Configuration conf = Configuration.fromMap(parsed);
    // The client file is mounted from a ConfigMap in the pods: validate with its content here.
    java.nio.file.Path clientFile = java.nio.file.Files.createTempFile("client", ".properties");
    try {
      StringBuilder text = new StringBuilder();
      KafkaSecurityManifestTest.clientProperties(variant)
          .forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
      java.nio.file.Files.writeString(clientFile, text);
      Configuration withFile = new Configuration(conf);
      withFile.set(TlAlignOptions.KAFKA_CONFIG_FILE, clientFile.toString());
      JobValidation.validate(withFile);
    } finally {
      java.nio.file.Files.delete(clientFile);
    }

    // ParameterTool takes any key: every one must be an option of the job.
    Set<String> jobKeys = new HashSet<>();
    for (Field f : TlAlignOptions.class.getFields()) {
      if (f.get(null) instanceof ConfigOption<?> o) {
        jobKeys.add(o.key());
      }
    }
    assertThat(jobKeys)
        .containsAll(
            parsed.keySet().stream()
                .filter(k -> !k.startsWith(TlAlignOptions.KAFKA_PROPERTIES_PREFIX))
                .toList());

    // The job sets its own checkpointing from its options; they must agree with the cluster's.
    Configuration flink = Configuration.fromMap(conf(variant));
    assertThat(conf.get(TlAlignOptions.CHECKPOINT_DIR))
        .isEqualTo(flink.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
    assertThat(conf.get(TlAlignOptions.CHECKPOINT_INTERVAL))
        .isEqualTo(flink.get(CheckpointingOptions.CHECKPOINTING_INTERVAL));
    assertThat(conf.getOptional(TlAlignOptions.MODEL_STORE)).isPresent();
  }

  @ParameterizedTest
  @MethodSource("variants")
  void podsRunAsNonRootWithSecretsByReferenceOnly(String variant) {
    FlinkDeployment d = deployment(variant);
    var pod = d.getSpec().getPodTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(9999L);
    Container main =
        pod.getContainers().stream()
            .filter(c -> c.getName().equals("flink-main-container"))
            .findFirst()
            .orElseThrow();
    assertThat(main.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    for (EnvVar e : main.getEnv()) {
      if (e.getName().matches("(?i).*(key|secret|password|token).*")) {
        assertThat(e.getValue()).as(e.getName() + " must come from a Secret").isNull();
        assertThat(e.getValueFrom().getSecretKeyRef()).isNotNull();
      }
    }
    for (String key : d.getSpec().getFlinkConfiguration().keySet()) {
      assertThat(key)
          .doesNotContain("secret-key")
          .doesNotContain("access-key")
          .doesNotContain("password");
    }
    assertThat(pod.getVolumes()).anySatisfy(v -> assertThat(v.getName()).isEqualTo("djl-cache"));
    assertThat(main.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/opt/djl-cache"));
    assertThat(main.getPorts())
        .anySatisfy(
            p -> {
              assertThat(p.getName()).isEqualTo("metrics");
              assertThat(p.getContainerPort())
                  .isEqualTo(Integer.parseInt(conf(variant).get("metrics.reporter.prom.port")));
            });
  }

  @ParameterizedTest
  @MethodSource("variants")
  void storageIsObjectStorageOrTheDevVolume(String variant) {
    Configuration c = Configuration.fromMap(conf(variant));
    String scheme = variant.endsWith("cpu-dev") ? "file:///flink-data/" : "s3://";
    assertThat(c.get(HighAvailabilityOptions.HA_STORAGE_PATH)).startsWith(scheme);
    assertThat(c.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith(scheme);
    assertThat(c.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith(scheme);
    if (variant.endsWith("cpu-dev")) {
      var pod = deployment(variant).getSpec().getPodTemplate().getSpec();
      assertThat(pod.getVolumes())
          .filteredOn(v -> v.getPersistentVolumeClaim() != null)
          .anySatisfy(
              v ->
                  assertThat(v.getPersistentVolumeClaim().getClaimName())
                      .isEqualTo("tlalign-flink-data"));
      assertThat(Kustomize.ofKind(build(variant), "PersistentVolumeClaim"))
          .anySatisfy(
              p -> assertThat(p.at("/metadata/name").asText()).isEqualTo("tlalign-flink-data"));
    }
  }

  @Test
  void gpuProdGivesEachOneSlotTaskManagerOneGpu() {
    FlinkDeployment d = deployment("overlays/gpu-prod");
    Map<String, String> c = new TreeMap<>(d.getSpec().getFlinkConfiguration());
    assertThat(c)
        .containsEntry("taskmanager.numberOfTaskSlots", "1")
        .containsEntry(ExternalResourceOptions.EXTERNAL_RESOURCE_LIST.key(), "gpu")
        .containsEntry("external-resource.gpu.amount", "1")
        .containsEntry(
            "external-resource.gpu.driver-factory.class",
            "org.apache.flink.externalresource.gpu.GPUDriverFactory")
        .containsEntry(
            "external-resource.gpu.param.discovery-script.path",
            "plugins/external-resource-gpu/nvidia-gpu-discovery.sh")
        // Flink's Kubernetes integration turns this into resources.limits nvidia.com/gpu: 1.
        .containsEntry("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu");
    var tm = d.getSpec().getTaskManager().getPodTemplate().getSpec();
    assertThat(tm.getNodeSelector()).isNotEmpty();
    assertThat(tm.getTolerations())
        .anySatisfy(t -> assertThat(t.getKey()).isEqualTo("nvidia.com/gpu"));
    assertThat(d.getSpec().getImage()).contains("cu");
    assertThat(d.getSpec().getJobManager().getReplicas()).isGreaterThan(1);
  }

  @Test
  void cpuDevAsksForNoGpu() {
    FlinkDeployment d = deployment("overlays/cpu-dev");
    assertThat(d.getSpec().getFlinkConfiguration())
        .doesNotContainKey(ExternalResourceOptions.EXTERNAL_RESOURCE_LIST.key());
    assertThat(d.getSpec().getImage()).endsWith("-cpu");
    assertThat(d.getSpec().getJob().getParallelism()).isEqualTo(1);
    assertThat(d.getSpec().getJobManager().getReplicas()).isEqualTo(1);
  }

  @Test
  void dockerfileProvidesTheJarUriAndTheFlinkVersion() throws Exception {
    String dockerfile = Files.readString(Kustomize.k8sDir().resolve("Dockerfile"));
    assertThat(dockerfile)
        .contains("flink:1.20.3-java17")
        .contains("/opt/flink/usrlib/tlalign-job.jar")
        .contains("USER flink");
    Path readme = Kustomize.k8sDir().resolve("README.md");
    assertThat(Files.readString(readme)).contains("last-state").contains("kubectl apply -k");
  }

  @Test
  void dockerfileCopiesTheBuiltJobAndCommandLineJars() throws Exception {
    Path root = Kustomize.k8sDir().getParent();
    String dockerfile = Files.readString(Kustomize.k8sDir().resolve("Dockerfile"));
    String ignore = Files.readString(Kustomize.k8sDir().resolve("Dockerfile.dockerignore"));
    // The jars the build makes (job, then cli, are packaged before it-tests runs) at the paths
    // the image copies them from, let through by the build context's ignore file.
    for (String arg : List.of("JOB_JAR", "CLI_JAR")) {
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("(?m)^ARG " + arg + "=(\\S+)$").matcher(dockerfile);
      assertThat(m.find()).as(arg).isTrue();
      assertThat(root.resolve(m.group(1))).as(arg).isRegularFile();
    }
    assertThat(ignore)
        .contains("!job/target/tlalign-job-*-job.jar")
        .contains("!cli/target/tlalign-cli-*-image.jar");
    assertThat(dockerfile).contains("/opt/tlalign/tlalign-cli.jar");
  }
}
