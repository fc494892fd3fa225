package io.tlalign.cli.bench;

import io.tlalign.cli.options.BatchSizeOption;
import io.tlalign.job.sync.SyncExchange;
import io.tlalign.local.bench.InJvmScaleRunner;
import io.tlalign.local.bench.ProcessClusterScaleRunner;
import io.tlalign.local.bench.ScaleBenchmark;
import io.tlalign.local.bench.ScaleJobRunner;
import io.tlalign.local.cluster.JobJar;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tlalign bench scale}: data-parallel replicas against one trainer. */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    description = {
      "Trains the same Fashion-MNIST images with each replica count of --replicas (the real"
          + " bounded job on a local Flink cluster in this JVM, or one TaskManager JVM per"
          + " replica with --cluster processes; local Kafka broker), for P > 1"
          + " as replace (moments local), replace+moments (moments averaged) and delta"
          + " (tlalign.sync.apply=delta). --batch-size is the images of one replica's step.",
      "Prints per run 'scale: replicas=P variant=V images=N span_s=T images_per_s=X"
          + " per_replica_images_per_s=Y efficiency=E median_round_latency_ms=L rounds_seen=R"
          + " local_steps=S accuracy=A'. Span: first step start to last step end; efficiency:"
          + " time in steps over span x P; accuracy on the first --test-images test images.",
      "For P > 1 also 'scale: traffic replicas=P exchange=X rounds=R exchanged_rounds=E M_bytes=M"
          + " out_per_round_MB=O in_per_round_MB=I out_over_M=O/M in_over_M=I/M"
          + " broker_in_over_M=B/M': the sync bytes one replica wrote (O) and was delivered (I),"
          + " on average, per round exchanged (E, the final round included; R rounds applied),"
          + " the bytes the sync topic received per round (B), and M, the bytes of the model's"
          + " parameters. Sharded: I is about 2M whatever P; broadcast: about P x M."
    })
final class BenchScaleCommand extends BenchRun {

  @Option(
      names = "--replicas",
      split = ",",
      defaultValue = "1,2",
      description = "Replica counts to compare (default: ${DEFAULT-VALUE}).")
  List<Integer> replicas;

  @Option(
      names = "--images",
      defaultValue = "12800",
      description = "Training images, the same for every run (default: ${DEFAULT-VALUE}).")
  int images;

  @Mixin BatchSizeOption batch = new BatchSizeOption(64);

  @Option(
      names = "--every-steps",
      defaultValue = "10",
      description = "K, local steps per round (default: ${DEFAULT-VALUE}).")
  int everySteps;

  @Option(
      names = "--lag-rounds",
      defaultValue = "1",
      description = "S, rounds before a round's average applies (default: ${DEFAULT-VALUE}).")
  int lagRounds;

  @Option(
      names = "--checkpoint-ms",
      defaultValue = "1000",
      description = "Checkpoint interval in ms (default: ${DEFAULT-VALUE}).")
  long checkpointMs;

  @Option(
      names = "--test-images",
      defaultValue = "10000",
      description = "Test images for the accuracy (default: ${DEFAULT-VALUE}).")
  int testImages;

  @Option(
      names = "--moments",
      defaultValue = "both",
      description = "For P > 1: local, or both (local and averaged) (default: ${DEFAULT-VALUE}).")
  String moments;

  @Option(
      names = "--delta",
      defaultValue = "true",
      arity = "1",
      description =
          "For P > 1: also a run with tlalign.sync.apply=delta (default: ${DEFAULT-VALUE}).")
  boolean delta;

  @Mixin FashionMnistOption data;

  @Option(
      names = "--rules",
      split = ",",
      description =
          "For P > 1: one run per sync rule instead of the replace run: gradients (K = 1,"
              + " S = 0), updates or updates:OUTER_LR:OUTER_MOMENTUM (DiLoCo: updates:0.7:0.9),"
              + " replace, delta.")
  List<String> rules = List.of();

  @Option(
      names = "--single-batch-size",
      description =
          "Batch of the P = 1 run (default: --batch-size); P x --batch-size trains one trainer"
              + " on the same samples per step as P replicas.")
  Integer singleBatch;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Data order, initialisation and mixing seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--cluster",
      defaultValue = "in-jvm",
      description =
          "in-jvm: a local Flink cluster in this JVM (its replicas take turns on DJL's lock);"
              + " processes: per run a JobManager and P TaskManager JVMs with one slot each,"
              + " running job/target/tlalign-job-*-job.jar (default: ${DEFAULT-VALUE}).")
  String cluster;

  @Option(
      names = "--exchange",
      defaultValue = "sharded",
      description =
          "tlalign.sync.exchange: sharded (reduce-scatter then all-gather, about 2M per replica"
              + " per round) or broadcast (every replica reads every contribution, P x M)"
              + " (default: ${DEFAULT-VALUE}).")
  String exchange;

  @Override
  Benchmark benchmark() {
    ScaleBenchmark bench =
        new ScaleBenchmark(
            new ScaleBenchmark.Options(
                replicas,
                images,
                batch.value(),
                everySteps,
                lagRounds,
                Duration.ofMillis(checkpointMs),
                testImages,
                bothMomentModes(),
                delta,
                data.folder(),
                seed,
                rules,
                singleBatch != null ? singleBatch : batch.value(),
                exchange()),
            runner());
    return bench::run;
  }

  /** The runner of --cluster; processes needs the job jar, checked before anything starts. */
  private ScaleJobRunner runner() {
    return switch (cluster) {
      case "in-jvm" -> new InJvmScaleRunner();
      case "processes" -> {
        try {
          JobJar.locate();
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException("--cluster processes: " + e.getMessage(), e);
        }
        yield new ProcessClusterScaleRunner();
      }
      default ->
          throw new IllegalArgumentException(
              "--cluster is \"" + cluster + "\"; use in-jvm or processes");
    };
  }

  private SyncExchange exchange() {
    try {
      return SyncExchange.parse(exchange);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--exchange is \"" + exchange + "\"; use sharded or broadcast", e);
    }
  }

  private boolean bothMomentModes() {
    return switch (moments) {
      case "both" -> true;
      case "local" -> false;
      default ->
          throw new IllegalArgumentException("--moments is \"" + moments + "\"; use local or both");
    };
  }
}
