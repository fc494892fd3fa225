package io.tlalign.cli.bench;

import io.tlalign.local.bench.SyncRuleExperiment;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tlalign bench sync-rules}: the replicas' sync rules against one trainer of P x b. */
@Command(
    name = "sync-rules",
    mixinStandardHelpOptions = true,
    description = {
      "Trains the same Fashion-MNIST batches with each --variants entry: P replicas of batch b"
          + " as in-process sessions applying the job's own sync rules at the job's step counts"
          + " (no Flink, no Kafka: the arithmetic only), or one trainer of batch P x b (single) or"
          + " of b for P times the steps (single-b). Scores each final model on the test split.",
      "Prints per run 'sync-rules: seed=N variant=V accuracy=A test_loss=L wall_s=T'.",
      "Variants: single, single-b, gradients, replace:K:S, delta:K:S, updates:K:S:outer_lr:mu"
          + " (DiLoCo: updates:K:S:0.7:0.9)."
    })
final class BenchSyncRulesCommand extends BenchRun {

  @Option(names = "--replicas", defaultValue = "2", description = "P (default: ${DEFAULT-VALUE}).")
  int replicas;

  @Option(
      names = "--batch-size",
      defaultValue = "64",
      description = "b, images per step and replica (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "200",
      description = "Steps of P x b images (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--lr",
      defaultValue = "2e-3",
      description = "Peak learning rate of every trainer (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--variants",
      split = ",",
      defaultValue = "single,replace:10:1,delta:10:1,updates:10:1:1:0,updates:10:1:0.7:0.9",
      description = "What to train (default: ${DEFAULT-VALUE}).")
  List<String> variants;

  @Option(
      names = "--seeds",
      split = ",",
      defaultValue = "0",
      description = "Data order, initialisation and mixing seeds (default: ${DEFAULT-VALUE}).")
  List<Long> seeds;

  @Option(
      names = "--test-images",
      defaultValue = "10000",
      description = "Test images for the accuracy (default: ${DEFAULT-VALUE}).")
  int testImages;

  @Mixin FashionMnistOption data;

  @Override
  Benchmark benchmark() {
    List<SyncRuleExperiment.Variant> parsed = new ArrayList<>();
    for (String v : variants) {
      try {
        parsed.add(SyncRuleExperiment.Variant.parse(v.trim()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--variants: " + e.getMessage(), e);
      }
    }
    SyncRuleExperiment experiment =
        new SyncRuleExperiment(
            new SyncRuleExperiment.Options(
                replicas, batch, steps, lr, parsed, seeds, testImages, data.folder()));
    return experiment::run;
  }
}
