package io.tlalign.cli;

import io.tlalign.job.EndOffsets;
import io.tlalign.job.JobTopics;
import io.tlalign.job.KafkaAccessCheck;
import io.tlalign.job.TlAlignJob;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.resume.BoundedEnd;
import io.tlalign.job.resume.CheckpointFolder;
import io.tlalign.job.resume.FinishedRun;
import io.tlalign.job.resume.ResumePlan;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.settings.TrainingRecipe;
import io.tlalign.local.LocalWebUi;
import io.tlalign.model.train.TargetMode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tlalign train}: runs the training job on a local Flink cluster, or submits it to one
 * with {@code --jobmanager}. Every option maps to a key of {@link TlAlignOptions} and takes its
 * default from there; {@code -D} sets any Flink or tlalign key directly.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a ViT continuously on a Kafka topic of LabeledImage records.")
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--bootstrap-servers", required = true, description = "Kafka, host:port.")
  String bootstrapServers;

  @Option(names = "--model", description = "Preset (default: ${DEFAULT-VALUE}).")
  String model = TlAlignOptions.MODEL.defaultValue();

  @Option(
      names = "--mixing",
      converter = TargetModeConverter.class,
      description = "tlalign, cutmix or none, any case (default: ${DEFAULT-VALUE}).")
  TargetMode mixing = TlAlignOptions.MIXING.defaultValue();

  @Option(names = "--batch-size", description = "Images per step (default: ${DEFAULT-VALUE}).")
  int batchSize = TlAlignOptions.BATCH_SIZE.defaultValue();

  @Option(names = "--seed", description = "Job seed (default: ${DEFAULT-VALUE}).")
  long seed = TlAlignOptions.SEED.defaultValue();

  @Option(names = "--lr", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
  double lr = TlAlignOptions.LEARNING_RATE.defaultValue();

  @Option(names = "--total-steps", description = "Schedule length (default: ${DEFAULT-VALUE}).")
  long totalSteps = TlAlignOptions.TOTAL_STEPS.defaultValue();

  @Option(names = "--warmup-steps", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
  long warmupSteps = TlAlignOptions.WARMUP_STEPS.defaultValue();

  @Option(
      names = "--checkpoint-interval",
      description = "Checkpoint interval, e.g. 30s, 2min (default: ${DEFAULT-VALUE}).")
  String checkpointInterval =
      org.apache.flink.util.TimeUtils.formatWithHighestUnit(
          TlAlignOptions.CHECKPOINT_INTERVAL.defaultValue());

  @Option(
      names = "--checkpoint-dir",
      description =
          "Checkpoint storage URI. A rerun resumes from the latest completed checkpoint here."
              + " Default: ~/.cache/tlalign/checkpoints/<group id>.")
  String checkpointDir;

  @Option(names = "--fresh", description = "Delete this job's checkpoints and start over.")
  boolean fresh;

  @Option(
      names = "--from-checkpoint",
      paramLabel = "PATH",
      description = "Resume from this chk-N folder instead of the latest.")
  java.nio.file.Path fromCheckpoint;

  @CommandLine.Mixin InitFromOption initFrom;

  @Option(names = "--model-store", description = "Folder URI for published models.")
  String modelStore;

  @Option(names = "--bounded", description = "Stop at the end of what the topic holds now.")
  boolean bounded;

  @Option(names = "--jobmanager", description = "host:port of a Flink cluster to submit to.")
  String jobManager;

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description =
          "Kafka client properties (key=value, as Kafka tools' --command-config) for every Kafka"
              + " client of the job, e.g. security.protocol=SASL_SSL; -D"
              + " tlalign.kafka.properties.KEY=VALUE overrides a key.")
  java.nio.file.Path kafkaConfig;

  @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Any Flink or tlalign.* option.")
  Map<String, String> dynamic = new LinkedHashMap<>();

  @CommandLine.Mixin ImageTransformFlags transform = new ImageTransformFlags();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Configuration conf = configuration();
    transform.check(spec.commandLine(), conf);
    try {
      io.tlalign.job.JobValidation.validate(conf);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (fresh && fromCheckpoint != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--fresh and --from-checkpoint exclude each other; give one");
    }
    java.io.PrintWriter out = spec.commandLine().getOut();
    Optional<CheckpointFolder> folder =
        CheckpointFolder.of(conf.get(TlAlignOptions.CHECKPOINT_DIR));
    // The frameworks' log goes next to the checkpoints (train.log), unless --log-file says where.
    if (folder.isPresent()) {
      FrameworkLogs.moveTo(folder.get().root());
    }
    ResumePlan plan = plan(conf, folder);
    if (plan.finished().isPresent()) {
      FinishedRun done = plan.finished().get();
      out.println(
          "train: this bounded run already finished at step "
              + done.step()
              + (done.finalModel().isEmpty() ? "" : "; final model " + done.finalModel())
              + " (--fresh starts it over)");
      out.flush();
      return 0;
    }
    if (plan.checkpoint().isPresent()) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, plan.checkpoint().get().toString());
      out.println(
          "train: resuming from "
              + plan.checkpoint().get()
              + " at step "
              + plan.step()
              + (conf.getOptional(TlAlignOptions.INIT_FROM).isPresent()
                  ? "; --init-from is not used when a checkpoint is resumed"
                  : ""));
      out.flush();
    } else {
      checkInitFrom(conf, out);
    }
    // Connects, creates missing topics, and refuses bad credentials or missing ACLs in one line
    // before Flink could restart the job on them.
    KafkaAccessCheck.verify(conf);
    if (fresh) {
      // The source starts from the group's committed offsets when no checkpoint is restored.
      JobTopics.forgetCommittedOffsets(conf);
    }
    if (conf.get(TlAlignOptions.BOUNDED)
        && conf.getOptional(TlAlignOptions.BOUNDED_END_OFFSETS).isEmpty()
        && folder.isPresent()) {
      java.nio.file.Path root = folder.get().root();
      Optional<String> recorded =
          plan.checkpoint().isPresent() ? BoundedEnd.readFrom(root) : Optional.empty();
      String end =
          recorded.isPresent()
              ? recorded.get()
              : EndOffsets.current(KafkaClients.from(conf), conf.get(TlAlignOptions.TRAIN_TOPIC));
      BoundedEnd.writeTo(root, end);
      conf.set(TlAlignOptions.BOUNDED_END_OFFSETS, end);
    }
    // The environment's configuration is what Flink's web UI shows: Kafka secrets masked there.
    // The job graph is built from conf, whose config provider references travel unresolved.
    Configuration envConf = Configuration.fromMap(KafkaClients.maskedConfiguration(conf.toMap()));
    Optional<String> webUi =
        jobManager == null ? LocalWebUi.configure(envConf) : Optional.of("http://" + jobManager);
    StreamExecutionEnvironment env = environment(envConf);
    TlAlignJob.build(env, conf);
    FrameworkLogs.file().ifPresent(f -> out.println("train: framework log: " + f));
    webUi.ifPresent(url -> out.println("train: Flink web UI at " + url));
    out.flush();
    JobExecutionResult result;
    try (TrainingWatch watch =
        TrainingWatch.start(conf, spec.commandLine().getErr(), System.console() != null)) {
      try {
        result = env.execute("tlalign-train");
      } catch (Exception e) {
        watch.close();
        throw new IllegalStateException("the training job failed: " + RootCause.of(e), e);
      }
      String model = finalModel(conf).orElse("");
      if (conf.get(TlAlignOptions.BOUNDED) && folder.isPresent()) {
        FinishedRun done = new FinishedRun(finalStep(result), model);
        done.writeTo(folder.get().root());
        out.println(
            "train: finished at step "
                + done.step()
                + (done.finalModel().isEmpty() ? "" : "; final model " + done.finalModel()));
      }
      out.println(watch.summary(result, model));
      out.flush();
    }
    return 0;
  }

  /** Loads the --init-from weights once here, so weights that do not fit fail before the job. */
  private void checkInitFrom(Configuration conf, java.io.PrintWriter out) {
    if (conf.getOptional(TlAlignOptions.INIT_FROM).isEmpty()) {
      return;
    }
    String file = conf.get(TlAlignOptions.INIT_FROM);
    io.tlalign.model.weights.PretrainedWeights.Loaded loaded;
    try {
      loaded = TrainerSettings.from(conf).loadInitialWeights();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--init-from " + file + ": " + e.getMessage());
    }
    for (String note : loaded.notes()) {
      out.println("train: init-from: " + note);
    }
    out.println("train: starting from the weights in " + file + " at step 0");
    out.flush();
  }

  private ResumePlan plan(Configuration conf, Optional<CheckpointFolder> folder)
      throws java.io.IOException {
    ResumePlan.Start start =
        fresh
            ? ResumePlan.Start.FRESH
            : fromCheckpoint != null ? ResumePlan.Start.NAMED : ResumePlan.Start.LATEST;
    if (folder.isEmpty()) {
      // Another file system (s3://...): Flink or the Kubernetes operator picks the checkpoint.
      return start == ResumePlan.Start.NAMED
          ? new ResumePlan(Optional.of(fromCheckpoint), -1, Optional.empty())
          : new ResumePlan(Optional.empty(), 0, Optional.empty());
    }
    try {
      return ResumePlan.decide(conf, folder.get(), start, fromCheckpoint);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static long finalStep(JobExecutionResult result) {
    Object step = result.getAllAccumulatorResults().get(TrainFunction.STEP_ACCUMULATOR);
    return step instanceof Number n ? n.longValue() : -1;
  }

  /** The newest model file in a local model store. */
  private static Optional<String> finalModel(Configuration conf) {
    return conf.getOptional(TlAlignOptions.MODEL_STORE)
        .flatMap(CheckpointFolder::of)
        .map(CheckpointFolder::root)
        .flatMap(TrainCommand::newestModel);
  }

  private static Optional<String> newestModel(java.nio.file.Path store) {
    try (var files = java.nio.file.Files.list(store)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("model-step-") && n.endsWith(".tlas"))
          .max(java.util.Comparator.naturalOrder())
          .map(n -> store.resolve(n).toString());
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  Configuration configuration() {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    new TrainingRecipe(
            model, mixing, batchSize, seed, lr, warmupSteps, totalSteps, initFrom.absolute())
        .applyTo(conf);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, duration(checkpointInterval));
    conf.set(TlAlignOptions.BOUNDED, bounded);
    if (checkpointDir != null) {
      conf.set(TlAlignOptions.CHECKPOINT_DIR, checkpointDir);
    }
    if (modelStore != null) {
      conf.set(TlAlignOptions.MODEL_STORE, modelStore);
    }
    if (kafkaConfig != null) {
      conf.set(TlAlignOptions.KAFKA_CONFIG_FILE, kafkaConfig.toAbsolutePath().toString());
    }
    transform.applyTo(conf);
    dynamic.forEach(conf::setString);
    if (conf.getOptional(TlAlignOptions.CHECKPOINT_DIR).isEmpty()) {
      conf.set(TlAlignOptions.CHECKPOINT_DIR, defaultCheckpointDir(conf));
    }
    conf.set(
        CheckpointingOptions.MAX_RETAINED_CHECKPOINTS,
        conf.get(TlAlignOptions.CHECKPOINT_RETAINED));
    return conf;
  }

  /** One folder per consumer group, so two jobs never share checkpoints by default. */
  private static String defaultCheckpointDir(Configuration conf) {
    String cache = System.getenv("XDG_CACHE_HOME");
    java.nio.file.Path base =
        cache != null && !cache.isBlank()
            ? java.nio.file.Path.of(cache)
            : java.nio.file.Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("tlalign")
        .resolve("checkpoints")
        .resolve(conf.get(TlAlignOptions.GROUP_ID))
        .toUri()
        .toString();
  }

  private Duration duration(String text) {
    try {
      return org.apache.flink.util.TimeUtils.parseDuration(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--checkpoint-interval \"" + text + "\" is not a duration; try 30s or 2min");
    }
  }

  private StreamExecutionEnvironment environment(Configuration conf) {
    if (jobManager == null) {
      return StreamExecutionEnvironment.getExecutionEnvironment(conf);
    }
    String[] hp = jobManager.split(":");
    if (hp.length != 2 || !hp[1].matches("\\d+")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--jobmanager \"" + jobManager + "\" is not host:port, e.g. flink:8081");
    }
    String jar = System.getProperty("tlalign.job.jar");
    if (jar == null || jar.isBlank()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--jobmanager needs the job jar; build it with mvn package and run through ./tlalign");
    }
    return StreamExecutionEnvironment.createRemoteEnvironment(
        hp[0], Integer.parseInt(hp[1]), conf, jar);
  }
}
