package io.tlalign.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.job.JobTopics;
import io.tlalign.job.settings.TlAlignOptions;
import io.tlalign.model.state.StateChunks;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.framing.ChunkFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A savepoint whose training-state bytes were altered on disk is refused: the job fails at restore
 * with a message that says what failed, and the half-restored operator never opens a model, trains
 * a step or publishes anything. The unaltered copy of the same savepoint restores and continues
 * from the saved step.
 *
 * <p>How the bytes are altered: the training operator keeps its state as operator list state of
 * {@code byte[]} chunks (see {@link StateChunks}), each a {@link ChunkFrame}: the magic ASCII
 * "TLCF", the frame version, the header length H and data length D, the header, the data (the
 * {@link TrainingStateFormat} encoding, which starts with ASCII "TLAS") and a CRC32C of all that.
 * Flink writes a byte-array list state as the raw bytes of each element (no compression by
 * default), into {@code _metadata} or, above the inline threshold, a file next to it. The test
 * scans every file of a copy of the savepoint folder for "TLCF", checks that the frame there is a
 * real chunk (its CRC32C matches and the chunks join back into a training state), then flips one
 * bit in the middle of the data, in the tensor data.
 */
class CorruptCheckpointITCase {

  @RegisterExtension static final LocalKafka KAFKA = new LocalKafka();

  private static final Logger LOG = LoggerFactory.getLogger(CorruptCheckpointITCase.class);

  private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension
  static final MiniClusterExtension CLUSTER =
      JobRuns.miniCluster(1, 2, REPORTER.addToConfiguration(new Configuration()));

  private static final int FIRST = 320;
  private static final int MORE = 64;
  private static final int BATCH = 32;

  private static final byte[] TLCF = {'T', 'L', 'C', 'F'};
  private static final byte[] TLAS = {'T', 'L', 'A', 'S'};

  @TempDir static Path work;
  private static String trainTopic;
  private static FashionMnistFiles.Images train;

  @BeforeAll
  static void readImages() throws Exception {
    trainTopic = "images.train.corrupt." + JobRuns.newRunId();
    train = FashionMnistFiles.read("train", FIRST + MORE);
  }

  private static Configuration jobConfig(String run) {
    Configuration conf = JobRuns.onOwnTopics(KAFKA.bootstrapServers(), work, run);
    conf.set(TlAlignOptions.TRAIN_TOPIC, trainTopic);
    conf.set(TlAlignOptions.GROUP_ID, "corrupt-" + run);
    conf.set(TlAlignOptions.BOUNDED, false);
    conf.set(TlAlignOptions.EVAL_ENABLED, false);
    conf.set(TlAlignOptions.BATCH_SIZE, BATCH);
    conf.set(TlAlignOptions.WARMUP_STEPS, 5L);
    conf.set(TlAlignOptions.TOTAL_STEPS, 40L);
    conf.set(TlAlignOptions.METRICS_EVERY, 1);
    conf.set(TlAlignOptions.CHECKPOINT_INTERVAL, Duration.ofMillis(500));
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    JobTopics.ensure(conf);
    return conf;
  }

  @Test
  void anAlteredSavepointIsRefusedAndItsUnalteredCopyContinues() throws Exception {
    writeImages(0, FIRST);

    // Run 1: train on the first 320 images (10 steps), then stop with a savepoint.
    Configuration first = jobConfig("first-" + UUID.randomUUID());
    JobClient job1 = submit(first, null);
    String savepoint;
    try {
      awaitModelAtStep(first, FIRST / BATCH, Duration.ofSeconds(90));
      savepoint =
          job1.stopWithSavepoint(
                  false,
                  work.resolve("savepoints").toUri().toString(),
                  SavepointFormatType.CANONICAL)
              .get();
    } catch (Exception e) {
      job1.cancel();
      throw e;
    }
    Path original = Path.of(new org.apache.flink.core.fs.Path(savepoint).toUri().getPath());
    Path pristine = copyTree(original, work.resolve("savepoint-pristine"));
    Path altered = copyTree(original, work.resolve("savepoint-altered"));

    // The training state in the savepoint: at step 10, and found where the test alters it.
    List<ChunkAt> chunks = findChunks(altered);
    assertThat(chunks).as("training state chunks in " + altered).isNotEmpty();
    List<byte[]> chunkBytes = chunks.stream().map(ChunkAt::bytes).toList();
    TrainingState saved = TrainingStateFormat.fromChunks(chunkBytes);
    assertThat(saved.step()).isEqualTo(FIRST / BATCH);
    long savedStep = saved.step();

    // Alter it: one bit in the middle of the first chunk's payload (tensor data).
    ChunkAt target = chunks.get(0);
    long flipAt = target.offset() + target.dataStart() + target.payloadLength() / 2;
    flipBit(target.file(), flipAt);
    LOG.info(
        "savepoint {}: {} training state chunk(s); flipped bit 0 of byte {} of {} (chunk {} of"
            + " {} payload bytes starts at {})",
        savepoint,
        chunks.size(),
        flipAt,
        altered.relativize(target.file()),
        target.index(),
        target.payloadLength(),
        target.offset() + target.dataStart());
    assertThatThrownBy(() -> TrainingStateFormat.fromChunks(findChunksUnchecked(altered)))
        .as("the altered copy no longer verifies");

    // New images after the savepoint, so a run that restored anything would have work to do.
    writeImages(FIRST, MORE);

    // Run 2: restore from the altered savepoint, no restarts: the job must fail at restore.
    String refusedRun = "refused-" + UUID.randomUUID();
    Configuration refused = jobConfig(refusedRun);
    JobClient job2 = submit(refused, altered);
    JobID refusedJob = job2.getJobID();
    Throwable failure = null;
    try {
      job2.getJobExecutionResult().get(90, java.util.concurrent.TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      failure = e;
    }
    assertThat(failure).as("a restore from the altered savepoint must fail the job").isNotNull();
    assertThat(job2.getJobStatus().get()).isEqualTo(JobStatus.FAILED);
    String chain = causeChain(failure);
    assertThat(chain)
        .contains("refusing to restore the training state from the checkpoint")
        .contains("payload checksum mismatch")
        .contains("the chunk was altered");
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      assertThat(kafka.readAll(refused.get(TlAlignOptions.MODELS_TOPIC)))
          .as("models published by the refused run")
          .isEmpty();
      assertThat(kafka.readAll(refused.get(TlAlignOptions.METRICS_TOPIC)))
          .as("training metrics of the refused run")
          .isEmpty();
    }
    Path refusedStore = work.resolve("models-" + refusedRun);
    assertThat(!Files.exists(refusedStore) || isEmpty(refusedStore))
        .as("model files written by the refused run in " + refusedStore)
        .isTrue();
    // The training operator never opened: no session, so no step gauge and no trained step.
    Map<String, Metric> refusedMetrics = REPORTER.getMetricsByIdentifiers(refusedJob);
    assertThat(refusedMetrics.keySet())
        .as("metrics of the refused run's training operator")
        .noneMatch(id -> id.endsWith(".step") || id.endsWith(".loss"));
    assertThat(refusedMetrics.entrySet())
        .noneMatch(
            m ->
                (m.getKey().endsWith(".steps") || m.getKey().endsWith(".imagesTrained"))
                    && ((Counter) m.getValue()).getCount() > 0);

    // Run 3, the control: the unaltered copy restores and continues at the saved step.
    Configuration control = jobConfig("control-" + UUID.randomUUID());
    JobClient job3 = submit(control, pristine);
    List<TrainingMetric> metrics;
    try {
      metrics = awaitMetricsUpTo(control, savedStep + MORE / BATCH, Duration.ofSeconds(90));
      // The positive twin of the refused run's metric check: a training operator that opens
      // registers these.
      Map<String, Metric> controlMetrics = REPORTER.getMetricsByIdentifiers(job3.getJobID());
      assertThat(controlMetrics.keySet()).anyMatch(id -> id.endsWith(".step"));
      assertThat(controlMetrics.entrySet())
          .anyMatch(m -> m.getKey().endsWith(".steps") && ((Counter) m.getValue()).getCount() > 0);
    } finally {
      job3.cancel().get();
    }
    assertThat(metrics).extracting(TrainingMetric::getStep).first().isEqualTo(savedStep + 1);
    assertThat(metrics)
        .extracting(TrainingMetric::getStep)
        .startsWith(savedStep + 1, savedStep + 2);
    assertThat(metrics).allSatisfy(m -> assertThat(m.getLoss()).isFinite());
  }

  // ------------------------------------------------------------------------------ the job

  private static JobClient submit(Configuration conf, Path restoreFrom) throws Exception {
    if (restoreFrom != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
    }
    StreamExecutionEnvironment env = JobRuns.environment(conf);
    StreamGraph graph = env.getStreamGraph();
    if (restoreFrom != null) {
      graph.setSavepointRestoreSettings(
          SavepointRestoreSettings.forPath(restoreFrom.toUri().toString(), false));
    }
    graph.setJobName("tlalign-corrupt-checkpoint");
    return env.executeAsync(graph);
  }

  private static void writeImages(int from, int count) throws Exception {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      for (int i = from; i < from + count; i++) {
        String id = "fashion-mnist/train/" + i;
        kafka.send(
            trainTopic,
            id,
            codec.encode(
                LabeledImage.newBuilder()
                    .setId(id)
                    .setSource("fashion-mnist/train")
                    .setLabel(train.labels()[i])
                    .setHeight(28)
                    .setWidth(28)
                    .setChannels(1)
                    .setEncoding(ImageEncoding.RAW_U8)
                    .setPixels(ByteBuffer.wrap(train.pixels()[i]))
                    .setEventTime(Instant.now())
                    .build()));
      }
    }
  }

  private static void awaitModelAtStep(Configuration conf, long step, Duration timeout)
      throws Exception {
    JobRuns.waitFor(
        "a model at step " + step,
        timeout,
        () -> JobRuns.models(conf).stream().anyMatch(m -> m.getStep() >= step));
  }

  /** The run's metrics, once one has reached {@code step}. */
  private static List<TrainingMetric> awaitMetricsUpTo(
      Configuration conf, long step, Duration timeout) throws Exception {
    JobRuns.waitFor(
        "a metric at step " + step,
        timeout,
        () -> metrics(conf).stream().anyMatch(m -> m.getStep() >= step));
    return metrics(conf);
  }

  private static List<TrainingMetric> metrics(Configuration conf) throws Exception {
    try (KafkaTestClient kafka = new KafkaTestClient(KAFKA.bootstrapServers())) {
      return kafka.readAll(
          conf.get(TlAlignOptions.METRICS_TOPIC), AvroRecordCodec.forTrainingMetric());
    }
  }

  // ------------------------------------------------------------------- savepoint bytes

  /**
   * A training state chunk found in a savepoint file, verified against its own checksum; its data
   * starts {@code dataStart} bytes after {@code offset}.
   */
  private record ChunkAt(
      Path file, long offset, int index, int dataStart, int payloadLength, byte[] bytes) {}

  private static List<byte[]> findChunksUnchecked(Path dir) throws IOException {
    List<byte[]> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        byte[] b = Files.readAllBytes(f);
        for (int at = indexOf(b, TLCF, 0); at >= 0; at = indexOf(b, TLCF, at + 1)) {
          Frame h = Frame.at(b, at);
          if (h != null) {
            out.add(Arrays.copyOfRange(b, at, at + h.length()));
          }
        }
      }
    }
    return out;
  }

  /**
   * Every "TLCF" in the files under {@code dir} whose frame lengths fit and whose bytes have the
   * CRC32C the frame ends with; a chance "TLCF" elsewhere would fail that check and is skipped.
   */
  private static List<ChunkAt> findChunks(Path dir) throws Exception {
    List<ChunkAt> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        byte[] b = Files.readAllBytes(f);
        for (int at = indexOf(b, TLCF, 0); at >= 0; at = indexOf(b, TLCF, at + 1)) {
          Frame h = Frame.at(b, at);
          if (h == null) {
            continue;
          }
          CRC32C crc = new CRC32C();
          crc.update(b, at, h.length() - 4);
          if ((int) crc.getValue() != h.crc()) {
            continue;
          }
          byte[] bytes = Arrays.copyOfRange(b, at, at + h.length());
          int index = ChunkFrame.decode(bytes).header().getIndex();
          int start = at + h.dataStart();
          if (index == 0) {
            assertThat(Arrays.copyOfRange(b, start, start + 4))
                .as("the first chunk's data starts with the state magic TLAS")
                .isEqualTo(TLAS);
          }
          out.add(new ChunkAt(f, at, index, h.dataStart(), h.data(), bytes));
        }
      }
    }
    out.sort((x, y) -> Integer.compare(x.index(), y.index()));
    return out;
  }

  /** The fixed prefix of a chunk frame (magic, version, H, D) and its trailing CRC32C. */
  private record Frame(int dataStart, int data, int crc) {
    int length() {
      return dataStart + data + 4;
    }

    static Frame at(byte[] b, int at) {
      if (at + 16 > b.length) {
        return null;
      }
      ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
      int version = h.getInt(at + 4);
      int header = h.getInt(at + 8);
      int data = h.getInt(at + 12);
      if (version != 1 || header < 0 || header > (32 << 10) || data < 0) {
        return null;
      }
      long end = (long) at + 16 + header + data + 4;
      if (end > b.length) {
        return null;
      }
      return new Frame(16 + header, data, h.getInt((int) end - 4));
    }
  }

  private static int indexOf(byte[] b, byte[] what, int from) {
    outer:
    for (int i = from; i <= b.length - what.length; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void flipBit(Path file, long at) throws IOException {
    byte[] b = Files.readAllBytes(file);
    b[(int) at] ^= 0x01;
    Files.write(file, b);
  }

  private static Path copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    }
    return to;
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.noneMatch(Files::isRegularFile);
    }
  }

  private static String causeChain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append('\n');
      for (Throwable s : c.getSuppressed()) {
        sb.append("  suppressed ").append(causeChain(s));
      }
    }
    return sb.toString();
  }
}
