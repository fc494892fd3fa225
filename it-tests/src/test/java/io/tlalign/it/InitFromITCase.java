package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.tlalign.cli.Main;
import io.tlalign.datasets.DatasetReplayer;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.ProgressListener;
import io.tlalign.datasets.ReplaySpec;
import io.tlalign.datasets.Split;
import io.tlalign.job.publish.ModelStore;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.model.weights.Safetensors;
import io.tlalign.model.weights.WeightNames;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tlalign train --init-from} against a real broker and a real local Flink cluster, with
 * the PyTorch script's timm-named fixture: the job trains from the file's tensors, and with another
 * class count it says it re-initialised the head.
 *
 * <p>The peak learning rate is 1e-30: AdamW moves a parameter by at most lr (1 + wd |p|) per step,
 * far below half a float32 ulp of every fixture value (all have |p| > 1e-20), so the steps count
 * while no bit of a loaded tensor moves, and the published parameters must equal the file's.
 */
class InitFromITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  @TempDir static Path work;

  static final Path FIXTURE =
      Path.of("../model/src/test/resources/weights/vit-tiny-fm-timm.safetensors").toAbsolutePath();

  static final int IMAGES = 64;
  static final int BATCH = 16;

  static String topic;

  @BeforeAll
  static void sixtyFourImages() throws Exception {
    topic = "images.train.initfrom-" + UUID.randomUUID().toString().substring(0, 8);
    var summary =
        DatasetReplayer.replay(
            ReplaySpec.builder()
                .setDataset(FashionMnist.open(FashionMnistFiles.DIR, Split.TRAIN))
                .setTopic(topic)
                .optLimit(IMAGES)
                .build(),
            KAFKA.bootstrapServers(),
            ProgressListener.NONE);
    assertThat(summary.records()).isEqualTo(IMAGES);
  }

  record Run(int code, String out, String err, List<ModelRef> models) {}

  private static Run train(String name, String... extra) throws Exception {
    String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    String models = "tlalign.models." + run;
    List<String> args =
        new ArrayList<>(
            List.of(
                "train",
                "--bootstrap-servers",
                KAFKA.bootstrapServers(),
                "--bounded",
                "--batch-size",
                Integer.toString(BATCH),
                "--total-steps",
                "10",
                "--warmup-steps",
                "0",
                "--lr",
                "1e-30",
                "--checkpoint-interval",
                "1s",
                "--checkpoint-dir",
                work.resolve("checkpoints-" + run).toUri().toString(),
                "--model-store",
                work.resolve("models-" + run).toUri().toString(),
                "--init-from",
                FIXTURE.toString(),
                "-D",
                "tlalign.topic.train=" + topic,
                "-D",
                "tlalign.topic.models=" + models,
                "-D",
                "tlalign.topic.metrics=tlalign.metrics." + run,
                "-D",
                "tlalign.topic.deadletter=images.deadletter." + run,
                "-D",
                "tlalign.kafka.group-id=it-" + run,
                "-D",
                "tlalign.decode.parallelism=1"));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args.toArray(String[]::new));
    List<ModelRef> refs = new ArrayList<>();
    AvroRecordCodec<ModelRef> codec = AvroRecordCodec.forModelRef();
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      for (var r : kafka.readAll(models)) {
        refs.add(codec.decode(r.value()));
      }
    }
    return new Run(code, out.toString(), err.toString(), refs);
  }

  @Test
  void trainingStartsFromTheFilesTensorsAndTheExportBesideTheModelIsTheFileAgain()
      throws Exception {
    Run run = train("same", "-D", "tlalign.export.names=timm");
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .contains("train: init-from: read safetensors with timm names")
        .contains("train: starting from the weights in " + FIXTURE + " at step 0");
    assertThat(run.models()).as("published models").isNotEmpty();
    ModelRef last = run.models().get(run.models().size() - 1);
    TrainingState state = ModelStore.read(last);
    assertThat(state.step()).isEqualTo(IMAGES / BATCH);
    assertThat(state.optimizerStepCount()).isEqualTo(IMAGES / BATCH);
    Map<String, NamedTensor> file = Safetensors.read(FIXTURE).tensors();
    assertThat(state.parameters()).hasSize(file.size());
    for (NamedTensor p : state.parameters()) {
      NamedTensor expected = file.get(WeightNames.modelToTimm(p.name()).orElseThrow());
      assertThat(p.shape()).as(p.name()).containsExactly(expected.shape());
      assertThat(p.data()).as(p.name()).containsExactly(expected.data());
    }
    // The export beside the published model (tlalign.export.names) is the fixture, byte for byte:
    // the same tensors, written with the reference script's conventions.
    Path exported = Path.of(ModelStore.exportFolder(last.getUri()).toUri());
    assertThat(Files.readAllBytes(exported.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(FIXTURE));
    assertThat(Files.readString(exported.resolve("config.json"))).contains("\"num_classes\": 10");
  }

  @Test
  void anotherClassCountReinitialisesTheHeadAndSaysSo() throws Exception {
    // Labels 5..9 are dead-lettered as out of range; the rest train.
    Run run = train("five", "-D", "tlalign.num-classes=5");
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out())
        .contains("train: init-from: re-initialised the head for 5 classes (the file's has 10)");
    ModelRef last = run.models().get(run.models().size() - 1);
    TrainingState state = ModelStore.read(last);
    assertThat(state.step()).isPositive();
    Map<String, NamedTensor> file = Safetensors.read(FIXTURE).tensors();
    TrainingState fresh;
    io.tlalign.model.EngineSetup.start(io.tlalign.model.EngineOptions.defaults().withThreads(1, 1));
    try (TrainingSession s =
        TrainingSession.create(
            TrainingConfig.defaults(VitPresets.VIT_TINY_FM.withNumClasses(5), 0), Device.cpu())) {
      fresh = s.captureState(); // seed 0, the job's seed: the head a fresh model draws
    }
    for (int i = 0; i < state.parameters().size(); i++) {
      NamedTensor p = state.parameters().get(i);
      String timm = WeightNames.modelToTimm(p.name()).orElseThrow();
      if (timm.startsWith("head.")) {
        NamedTensor init = fresh.parameters().get(i);
        assertThat(p.shape()).as(timm).containsExactly(init.shape());
        assertThat(p.shape()[0]).isEqualTo(5);
        for (int j = 0; j < p.data().length; j++) {
          // a zero-initialised bias may move by lr = 1e-30 itself
          assertThat(p.data()[j]).as(timm).isCloseTo(init.data()[j], within(1e-28f));
        }
      } else {
        assertThat(p.data()).as(timm).containsExactly(file.get(timm).data());
      }
    }
  }
}
