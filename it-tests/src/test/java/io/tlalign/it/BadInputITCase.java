package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.job.JobTopics;
import io.tlalign.job.operators.ImageValidator;
import io.tlalign.job.operators.RejectReason;
import io.tlalign.job.operators.Rejection;
import io.tlalign.job.operators.TrainFunction;
import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.schemas.DeadLetter;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input in the corpus ({@link BadRecordCorpus}) interleaved with 600 good
 * Fashion-MNIST images on a real broker: each bad record reaches the dead-letter topic once, whole,
 * with its own reason code and its coordinates; the job never fails, trains on exactly the 600 good
 * images (none of the neighbours of a bad record is lost) and counts each kind in its metrics. With
 * failures injected, the transactional sinks still show each dead letter and metric once.
 */
class BadInputITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      JobRuns.miniCluster(1, 2, REPORTER.addToConfiguration(new Configuration()));

  private static final int GOOD = 600;
  private static final int BATCH = 32;

  /** A bad record goes in after every this many good ones, so each has good neighbours. */
  private static final int EVERY = 35;

  /** 600 images in batches of 32: 18 full steps and a partial one. */
  private static final long STEPS = (GOOD + BATCH - 1) / BATCH;

  @TempDir static Path work;

  /**
   * The checked-in files are the generator's output, and each is refused by the job's own
   * validator, configured as in the job below, with the reason code the manifest gives it.
   */
  @Test
  void theCorpusIsTheGeneratorsOutputAndEachFileHasItsManifestReason() throws Exception {
    List<BadRecordCorpus.Case> corpus = BadRecordCorpus.load();
    List<BadRecordCorpus.Case> generated = BadRecordCorpus.generate();
    assertThat(corpus).hasSameSizeAs(generated).hasSize(15);
    assertThat(corpus).extracting(BadRecordCorpus.Case::file).doesNotHaveDuplicates();
    // Every reason code of the job has a case, and each kind has its own code.
    Map<String, List<String>> filesByReason = new TreeMap<>();
    corpus.forEach(
        c -> filesByReason.computeIfAbsent(c.reason(), r -> new ArrayList<>()).add(c.file()));
    List<String> codes = new ArrayList<>();
    for (RecordDecodeException.Reason r : RecordDecodeException.Reason.values()) {
      codes.add(r.name());
    }
    for (RejectReason r : RejectReason.values()) {
      codes.add(r.name());
    }
    assertThat(filesByReason.keySet()).containsExactlyInAnyOrderElementsOf(codes);
    filesByReason.forEach((reason, files) -> assertThat(files).as(reason).hasSize(1));
    for (int i = 0; i < corpus.size(); i++) {
      BadRecordCorpus.Case c = corpus.get(i);
      BadRecordCorpus.Case g = generated.get(i);
      assertThat(c.file()).isEqualTo(g.file());
      assertThat(c.key()).as(c.file()).isEqualTo(g.key());
      assertThat(c.reason()).as(c.file()).isEqualTo(g.reason());
      assertThat(c.value()).as(c.file() + " differs from the generator").isEqualTo(g.value());

      ImageValidator validator =
          new ImageValidator(10, 1, 28, 28, BadRecordCorpus.MAX_IMAGE_PIXELS);
      KafkaRecord r = new KafkaRecord("t", 0, i, 1L, c.keyBytes(), c.value());
      try {
        validator.validate(r);
        throw new AssertionError(c.file() + " was accepted");
      } catch (Rejection e) {
        assertThat(e.reasonCode()).as(c.file() + ": " + e.getMessage()).isEqualTo(c.reason());
      }
    }
    // The one-time SHAPE_MISMATCH case is a good image now, centre-cropped to the model's size.
    TrainingImage resized =
        new ImageValidator(10, 1, 28, 28, BadRecordCorpus.MAX_IMAGE_PIXELS)
            .validate(
                new KafkaRecord(
                    "t",
                    0,
                    99,
                    1L,
                    "good/32x32".getBytes(StandardCharsets.UTF_8),
                    BadRecordCorpus.formerShapeMismatch()));
    assertThat(resized.pixels).hasSize(28 * 28);
  }

  @Test
  void eachBadRecordIsDeadLetteredOnceWithItsReasonAndNoGoodRecordIsLost() throws Exception {
    Configuration conf = config("bad-");
    Map<String, RecordMetadata> written = writeGoodAndBad(conf);

    JobExecutionResult result = execute(conf);

    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      assertEachBadRecordDeadLetteredOnce(kafka, conf, written);
      // The job trained to the end: 600 images in batches of 32 are 19 steps.
      List<ModelRef> refs = JobRuns.models(conf);
      assertThat(refs).isNotEmpty();
      assertThat(refs.get(refs.size() - 1).getStep()).isEqualTo(STEPS);
    }
    assertEachGoodRecordTrainedOnce(result);

    // Metrics: deadLetters.<REASON> per kind, summed over the decode subtasks, and the accepted.
    Map<String, Long> expected = new TreeMap<>();
    BadRecordCorpus.load().forEach(c -> expected.merge(c.reason(), 1L, Long::sum));
    Map<String, Long> counted = new TreeMap<>();
    long accepted = 0;
    for (Map.Entry<String, Metric> m :
        REPORTER.getMetricsByIdentifiers(result.getJobID()).entrySet()) {
      String id = m.getKey();
      int at = id.lastIndexOf(".deadLetters.");
      if (at >= 0) {
        counted.merge(
            id.substring(at + ".deadLetters.".length()),
            ((Counter) m.getValue()).getCount(),
            Long::sum);
      } else if (id.endsWith(".recordsAccepted")) {
        accepted += ((Counter) m.getValue()).getCount();
      }
    }
    assertThat(counted).isEqualTo(expected);
    assertThat(accepted).isEqualTo(GOOD);
  }

  /**
   * The same stream with two injected failures: the training operator at step 2, before any
   * checkpoint can complete (the first one waits for the minimum pause), so the failed attempt has
   * already written dead letters that the restarted job writes again; and the pairing operator at
   * batch 12. The transactional sinks show each dead letter and each step's metric once to a {@code
   * read_committed} reader, while a {@code read_uncommitted} reader sees the failed attempt's
   * copies too; the ledger holds each good record once.
   */
  @Test
  void afterFailuresEachBadRecordIsDeadLetteredOnceAndEachGoodRecordTrainedOnce() throws Exception {
    Configuration conf = config("bad-failing-");
    Path markers = work.resolve("faults-" + conf.get(TlAlignOptions.GROUP_ID));
    conf.set(TlAlignOptions.FAULT_MARKER_DIR, markers.toString());
    conf.set(TlAlignOptions.FAULT_TRAIN_AT_STEP, 2L);
    conf.set(TlAlignOptions.FAULT_PAIRING_AT_BATCH, 12L);
    conf.set(TlAlignOptions.METRICS_EVERY, 1);
    // The first checkpoint comes 29 to 30 s after the job starts (Flink draws its delay between
    // the minimum pause and the interval): far after step 2 even on a loaded machine.
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(30));
    conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, Duration.ofSeconds(29));
    Map<String, RecordMetadata> written = writeGoodAndBad(conf);

    JobExecutionResult result = execute(conf);

    // Both faults fired: each leaves its marker just before it throws.
    assertThat(markers.resolve("train-2.fired")).exists();
    assertThat(markers.resolve("pairing-12.fired")).exists();
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      String deadLetters = conf.get(TlAlignOptions.DEAD_LETTER_TOPIC);
      assertThat(kafka.readAllUncommitted(deadLetters))
          .as("dead letters written, the failed attempts' aborted copies included")
          .hasSizeGreaterThan(BadRecordCorpus.load().size());
      assertEachBadRecordDeadLetteredOnce(kafka, conf, written);

      List<Long> steps =
          kafka
              .readAll(conf.get(TlAlignOptions.METRICS_TOPIC), AvroRecordCodec.forTrainingMetric())
              .stream()
              .map(TrainingMetric::getStep)
              .toList();
      assertThat(steps)
          .as("one committed metric per step")
          .containsExactlyElementsOf(LongStream.rangeClosed(1, STEPS).boxed().toList());
    }
    assertEachGoodRecordTrainedOnce(result);
  }

  /** The job's options for a run on its own topics, under group {@code prefix + random}. */
  private static Configuration config(String prefix) {
    String run = JobRuns.newRunId();
    Configuration conf = JobRuns.onOwnTopics(KAFKA.bootstrapServers(), work, run);
    conf.set(TlAlignOptions.TRAIN_TOPIC, "images.train.bad." + run);
    conf.set(TlAlignOptions.GROUP_ID, prefix + run);
    conf.set(TlAlignOptions.BOUNDED, true);
    conf.set(TlAlignOptions.LEDGER, true);
    conf.set(TlAlignOptions.BATCH_SIZE, BATCH);
    conf.set(TlAlignOptions.WARMUP_STEPS, 5L);
    conf.set(TlAlignOptions.TOTAL_STEPS, 40L);
    conf.set(TlAlignOptions.DECODE_PARALLELISM, 2);
    conf.set(TlAlignOptions.NUM_CLASSES, 10);
    conf.set(TlAlignOptions.MAX_IMAGE_PIXELS, BadRecordCorpus.MAX_IMAGE_PIXELS);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofSeconds(2));
    return conf;
  }

  /**
   * Creates the job's topics and writes the good images with a bad record after every {@link
   * #EVERY} of them; returns where each bad record went, by corpus file.
   */
  private static Map<String, RecordMetadata> writeGoodAndBad(Configuration conf) throws Exception {
    JobTopics.ensure(conf);
    List<BadRecordCorpus.Case> corpus = BadRecordCorpus.load();
    String topic = conf.get(TlAlignOptions.TRAIN_TOPIC);
    FashionMnistFiles.Images train = FashionMnistFiles.read("train", GOOD);
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    Map<String, RecordMetadata> written = new HashMap<>();
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      int bad = 0;
      for (int i = 0; i < GOOD; i++) {
        String id = "fashion-mnist/train/" + i;
        kafka.send(
            topic,
            id.getBytes(StandardCharsets.UTF_8),
            codec.encode(FashionMnistFiles.record(id, train.labels()[i], train.pixels()[i])));
        if ((i + 1) % EVERY == 0 && bad < corpus.size()) {
          BadRecordCorpus.Case c = corpus.get(bad++);
          written.put(c.file(), kafka.send(topic, c.keyBytes(), c.value()));
        }
      }
      assertThat(bad).as("every bad record interleaved").isEqualTo(corpus.size());
    }
    return written;
  }

  private static JobExecutionResult execute(Configuration conf) throws Exception {
    return JobRuns.environment(conf).execute("tlalign-bad-input");
  }

  /** Exactly one committed dead letter per bad record, with its reason, bytes and coordinates. */
  private static void assertEachBadRecordDeadLetteredOnce(
      KafkaTestClient kafka, Configuration conf, Map<String, RecordMetadata> written)
      throws Exception {
    List<BadRecordCorpus.Case> corpus = BadRecordCorpus.load();
    List<DeadLetter> dead =
        kafka.readAll(conf.get(TlAlignOptions.DEAD_LETTER_TOPIC), AvroRecordCodec.forDeadLetter());
    assertThat(dead).hasSize(corpus.size());
    Map<Long, DeadLetter> byOffset = new HashMap<>();
    for (DeadLetter d : dead) {
      assertThat(byOffset.put(d.getOffset(), d)).as("two dead letters for one offset").isNull();
    }
    for (BadRecordCorpus.Case c : corpus) {
      RecordMetadata at = written.get(c.file());
      DeadLetter d = byOffset.get(at.offset());
      assertThat(d).as("dead letter of " + c.file() + " at offset " + at.offset()).isNotNull();
      assertThat(d.getReasonCode()).as(c.file() + ": " + d.getMessage()).isEqualTo(c.reason());
      assertThat(d.getTopic()).isEqualTo(at.topic());
      assertThat(d.getPartition()).isEqualTo(at.partition());
      assertThat(d.getMessage()).isNotBlank();
      assertThat(bytes(d.getOriginalValue())).as(c.file()).isEqualTo(c.value());
      if (c.key() == null) {
        assertThat(d.getOriginalKey()).as(c.file()).isNull();
      } else {
        assertThat(bytes(d.getOriginalKey())).as(c.file()).isEqualTo(c.keyBytes());
      }
    }
  }

  /** The ledger: each good image exactly once, nothing else (no bad record was trained on). */
  private static void assertEachGoodRecordTrainedOnce(JobExecutionResult result) {
    List<String> ledger = result.getAccumulatorResult(TrainFunction.LEDGER_ACCUMULATOR);
    assertThat(ledger).hasSize(GOOD);
    assertThat(new HashSet<>(ledger))
        .containsExactlyInAnyOrderElementsOf(
            IntStream.range(0, GOOD).mapToObj(i -> "fashion-mnist/train/" + i).toList());
  }

  private static byte[] bytes(ByteBuffer b) {
    if (b == null) {
      return null;
    }
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
