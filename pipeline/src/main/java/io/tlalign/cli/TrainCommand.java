package io.tlalign.cli;

import io.tlalign.pipeline.job.JobTopics;
import io.tlalign.pipeline.job.TlAlignJob;
import io.tlalign.pipeline.job.TlAlignOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tlalign train}: runs the training job on a local Flink cluster, or submits it to one
 * with {@code --jobmanager}. Every option maps to a key of {@link TlAlignOptions}; {@code -D} sets
 * any Flink or tlalign key directly.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a ViT continuously on a Kafka topic of LabeledImage records.")
final class TrainCommand implements Callable<Integer> {

  @Option(names = "--bootstrap-servers", required = true, description = "Kafka, host:port.")
  String bootstrapServers;

  @Option(
      names = "--model",
      description = "Preset (default: ${DEFAULT-VALUE}).",
      defaultValue = "vit-tiny-fm")
  String model;

  @Option(
      names = "--mixing",
      description = "tlalign, cutmix or none (default: ${DEFAULT-VALUE}).",
      defaultValue = "tlalign")
  String mixing;

  @Option(names = "--batch-size", defaultValue = "128", description = "Images per step.")
  int batchSize;

  @Option(names = "--seed", defaultValue = "0", description = "Job seed.")
  long seed;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate.")
  double lr;

  @Option(names = "--total-steps", defaultValue = "10000", description = "Schedule length.")
  long totalSteps;

  @Option(names = "--warmup-steps", defaultValue = "200", description = "Warm-up steps.")
  long warmupSteps;

  @Option(
      names = "--checkpoint-interval",
      defaultValue = "30s",
      description = "Checkpoint interval, e.g. 30s, 2min.")
  String checkpointInterval;

  @Option(names = "--checkpoint-dir", description = "Checkpoint storage URI.")
  String checkpointDir;

  @Option(names = "--model-store", description = "Folder URI for published models.")
  String modelStore;

  @Option(names = "--bounded", description = "Stop at the end of what the topic holds now.")
  boolean bounded;

  @Option(names = "--jobmanager", description = "host:port of a Flink cluster to submit to.")
  String jobManager;

  @Option(names = "-D", paramLabel = "KEY=VALUE", description = "Any Flink or tlalign.* option.")
  Map<String, String> dynamic = new LinkedHashMap<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Configuration conf = configuration();
    try {
      io.tlalign.pipeline.job.JobValidation.validate(conf);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    JobTopics.ensure(conf);
    StreamExecutionEnvironment env = environment(conf);
    TlAlignJob.build(env, conf);
    env.execute("tlalign-train");
    return 0;
  }

  Configuration configuration() {
    Configuration conf = new Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    conf.set(TlAlignOptions.MODEL, model);
    conf.set(TlAlignOptions.MIXING, mixing);
    conf.set(TlAlignOptions.BATCH_SIZE, batchSize);
    conf.set(TlAlignOptions.SEED, seed);
    conf.set(TlAlignOptions.LEARNING_RATE, lr);
    conf.set(TlAlignOptions.TOTAL_STEPS, totalSteps);
    conf.set(TlAlignOptions.WARMUP_STEPS, warmupSteps);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, duration(checkpointInterval));
    conf.set(TlAlignOptions.BOUNDED, bounded);
    if (checkpointDir != null) {
      conf.set(TlAlignOptions.CHECKPOINT_DIR, checkpointDir);
    }
    if (modelStore != null) {
      conf.set(TlAlignOptions.MODEL_STORE, modelStore);
    }
    dynamic.forEach(conf::setString);
    return conf;
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
