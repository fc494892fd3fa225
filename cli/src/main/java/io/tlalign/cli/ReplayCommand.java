package io.tlalign.cli;

import io.tlalign.datasets.DatasetKind;
import io.tlalign.datasets.DatasetReplayer;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.ProgressBar;
import io.tlalign.datasets.ReplaySpec;
import io.tlalign.datasets.ReplaySummary;
import io.tlalign.datasets.Split;
import io.tlalign.job.settings.KafkaClients;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Replays a labeled image dataset into a Kafka topic: a thin adapter over {@link DatasetReplayer}.
 */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay a labeled image dataset into a Kafka topic as LabeledImage records (key = image"
          + " id), creating the topic when it is missing: IDX datasets as RAW_U8 pixels, an image"
          + " folder's files as their PNG or JPEG bytes (the job decodes them).",
      "Shows progress on stderr and ends with"
          + " 'replay: records=N failed=F topic=T elapsed=S rate=R/s' on stdout, then the count of"
          + " each reason for failures (e.g. 'unreadable=1 not_png_or_jpeg=2 oversized=1')."
          + " Files that are not PNG or JPEG, cannot be read or are too large (checked on the"
          + " header, before any decoding) are reported with their reasons, counted and skipped.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  tlalign replay --dataset fashion-mnist --bootstrap-servers 127.0.0.1:9092",
      "  tlalign replay --dataset fashion-mnist --split test --bootstrap-servers 127.0.0.1:9092",
      "  tlalign replay --dataset folder --path ~/flowers --epochs 3 --rate 200 \\",
      "      --bootstrap-servers 127.0.0.1:9092"
    })
final class ReplayCommand implements Callable<Integer> {

  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):([0-9]{1,5})");

  @Option(
      names = "--dataset",
      required = true,
      paramLabel = "KIND",
      description = {
        "fashion-mnist: the four gzipped IDX files of Fashion-MNIST in a folder.",
        "idx: an IDX image/label pair: a folder holding train-images*/train-labels* (test split:"
            + " t10k-* or test-*), or an image file whose label file is its name with images ->"
            + " labels, idx3 -> idx1.",
        "folder: PATH/<class-name>/*.png|jpg|jpeg; classes sorted by name give labels 0, 1, ..."
      })
  String dataset;

  @Option(
      names = "--path",
      paramLabel = "PATH",
      description =
          "Where the dataset is (default for fashion-mnist: /usr/share/datasets/fashion-mnist,"
              + " from the Debian package dataset-fashion-mnist).")
  Path path;

  @Option(
      names = "--split",
      defaultValue = "train",
      paramLabel = "train|test",
      description =
          "Which split (default: ${DEFAULT-VALUE}). For folder it only names the records.")
  Split split;

  @Option(
      names = "--topic",
      paramLabel = "TOPIC",
      description =
          "Target topic (default: "
              + Topics.IMAGES_TRAIN
              + " for the train split, "
              + Topics.IMAGES_EVAL
              + " for test).")
  String topic;

  @Option(
      names = "--bootstrap-servers",
      required = true,
      paramLabel = "HOST:PORT[,...]",
      description = "Kafka brokers to connect to.")
  String bootstrapServers;

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description =
          "Kafka client properties (key=value, as Kafka tools' --command-config), e.g."
              + " security.protocol=SASL_SSL and sasl.jaas.config; see README (secured cluster).")
  Path kafkaConfig;

  @Option(
      names = "-D",
      paramLabel = "tlalign.kafka.properties.KEY=VALUE",
      description = "One Kafka client property; overrides the same key of --kafka-config.")
  java.util.Map<String, String> dynamic = new java.util.LinkedHashMap<>();

  @Option(
      names = "--epochs",
      defaultValue = "1",
      paramLabel = "E",
      description = "Passes over the dataset, each in a fresh order (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--shuffle-seed",
      defaultValue = "0",
      paramLabel = "SEED|none",
      description =
          "Seed of the order: the same seed gives the same record sequence, and every epoch"
              + " reshuffles. 'none' keeps the dataset's own order (default: ${DEFAULT-VALUE}).")
  String shuffleSeed;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Stop after N images in all (sent or failed). Default: no limit.")
  Long limit;

  @Option(
      names = "--rate",
      paramLabel = "R",
      description = "At most R records per second. Default: as fast as Kafka takes them.")
  Double rate;

  @Option(
      names = "--partitions",
      defaultValue = "1",
      paramLabel = "P",
      description =
          "Partitions, if the topic is created (default: ${DEFAULT-VALUE}: one ordered stream).")
  int partitions;

  @Option(
      names = "--replication-factor",
      defaultValue = "1",
      paramLabel = "F",
      description = "Replication factor, if the topic is created (default: ${DEFAULT-VALUE}).")
  short replicationFactor;

  @Option(
      names = "--max-image-pixels",
      paramLabel = "N",
      description =
          "Refuse images with more pixels, from their header (default: ${DEFAULT-VALUE}, the"
              + " job's tlalign.max-image-pixels).")
  long maxImagePixels = ReplaySpec.DEFAULT_MAX_IMAGE_PIXELS;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    DatasetKind kind =
        DatasetKind.parse(dataset)
            .orElseThrow(
                () ->
                    usage(
                        "unknown --dataset '"
                            + dataset
                            + "'; use one of "
                            + String.join(", ", DatasetKind.ids())));
    checkArguments();
    Path where = path != null ? path : kind.defaultPath().orElse(null);
    if (where == null) {
      throw usage("--dataset " + kind.id() + " needs --path; pass the folder that holds it");
    }
    if (!Files.exists(where)) {
      throw usage(
          path == null
              ? "no Fashion-MNIST in "
                  + where
                  + "; install the Debian package dataset-fashion-mnist or pass --path FOLDER"
              : "no such file or folder: --path " + where);
    }
    if (kind != DatasetKind.IDX && !Files.isDirectory(where)) {
      throw usage("--path " + where + " is a file; --dataset " + kind.id() + " needs a folder");
    }
    String target =
        topic != null ? topic : split == Split.TEST ? Topics.IMAGES_EVAL : Topics.IMAGES_TRAIN;
    ImageDataset data = kind.open(where, split);
    ReplaySpec.Builder b =
        ReplaySpec.builder()
            .setDataset(data)
            .setTopic(target)
            .optEpochs(epochs)
            .optPartitions(partitions)
            .optReplicationFactor(replicationFactor)
            .optMaxImagePixels(maxImagePixels);
    if (shuffleSeed.equals("none")) {
      b.optFileOrder();
    } else {
      b.optShuffleSeed(Long.parseLong(shuffleSeed));
    }
    if (limit != null) {
      b.optLimit(limit);
    }
    if (rate != null) {
      b.optRate(rate);
    }
    ReplaySpec replay;
    try {
      replay = b.build();
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    ProgressBar bar =
        new ProgressBar(spec.commandLine().getErr(), System.console() != null, System::nanoTime);
    ReplaySummary summary;
    try {
      summary = DatasetReplayer.replay(replay, kafkaClients(), bar);
    } catch (RuntimeException | InterruptedException e) {
      bar.abandon();
      throw e;
    }
    spec.commandLine().getOut().println(summary.line());
    spec.commandLine().getOut().flush();
    return summary.records() == 0 && summary.failed() > 0 ? 1 : 0;
  }

  private void checkArguments() {
    if (epochs < 1) {
      throw usage("--epochs must be >= 1, got " + epochs + "; try --epochs 1");
    }
    if (limit != null && limit < 1) {
      throw usage("--limit must be >= 1, got " + limit + "; leave it out to replay everything");
    }
    if (rate != null && (!(rate > 0) || rate.isInfinite())) {
      throw usage(
          "--rate must be a number of records per second > 0, got "
              + rate
              + "; leave it out for no limit");
    }
    if (!shuffleSeed.equals("none")) {
      try {
        Long.parseLong(shuffleSeed);
      } catch (NumberFormatException e) {
        throw usage("--shuffle-seed must be an integer or 'none', got '" + shuffleSeed + "'");
      }
    }
    if (maxImagePixels < 1) {
      throw usage(
          "--max-image-pixels must be >= 1, got "
              + maxImagePixels
              + "; leave it out for the job's limit of "
              + ReplaySpec.DEFAULT_MAX_IMAGE_PIXELS);
    }
    if (partitions < 1) {
      throw usage("--partitions must be >= 1, got " + partitions);
    }
    if (replicationFactor < 1) {
      throw usage("--replication-factor must be >= 1, got " + replicationFactor);
    }
    kafkaClients(); // an unreadable --kafka-config or a bad -D key is a usage error
    for (String server : bootstrapServers.split(",", -1)) {
      var m = HOST_PORT.matcher(server.trim());
      int port = m.matches() ? Integer.parseInt(m.group(2)) : -1;
      if (port < 1 || port > 65535) {
        throw usage(
            "--bootstrap-servers '"
                + bootstrapServers
                + "': '"
                + server.trim()
                + "' is not HOST:PORT; try --bootstrap-servers 127.0.0.1:9092");
      }
    }
  }

  /** Bootstrap servers, then -D tlalign.kafka.properties.*, then --kafka-config. */
  private KafkaClients kafkaClients() {
    org.apache.flink.configuration.Configuration conf =
        new org.apache.flink.configuration.Configuration();
    conf.set(TlAlignOptions.BOOTSTRAP_SERVERS, bootstrapServers);
    if (kafkaConfig != null) {
      conf.set(TlAlignOptions.KAFKA_CONFIG_FILE, kafkaConfig.toString());
    }
    dynamic.forEach(
        (k, v) -> {
          if (!k.startsWith(KafkaClients.PREFIX) || k.length() == KafkaClients.PREFIX.length()) {
            throw usage(
                "-D "
                    + k
                    + ": replay takes only Kafka client properties, as -D "
                    + KafkaClients.PREFIX
                    + "KEY=VALUE (e.g. -D "
                    + KafkaClients.PREFIX
                    + "security.protocol=SASL_SSL)");
          }
          conf.setString(k, v);
        });
    try {
      return KafkaClients.from(conf);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
