package io.tlalign.local.bench;

import ai.djl.Device;
import io.tlalign.alignment.PairingMode;
import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.FashionMnist;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.Split;
import io.tlalign.datasets.UnreadableImageException;
import io.tlalign.job.operators.BatchMixer;
import io.tlalign.job.operators.ImageAugmenter;
import io.tlalign.job.operators.ImageValidator;
import io.tlalign.job.operators.Rejection;
import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.bench.BenchArguments;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Records per second per core through the pipeline's per-record work, without the training step:
 * Avro decode and validation, augmentation, then micro-batching, pairing and CutMix. The same
 * functions the Flink operators call run here on one thread, so the figure is per core. It is set
 * against the training step's rate on the same images, since the pipeline must never be the
 * bottleneck (goal: at least 3x).
 */
public final class PipelineBenchmark {

  /**
   * @param records how many Fashion-MNIST training records to push through (cycled)
   * @param dataFolder the folder with the Fashion-MNIST files
   */
  public record Options(int records, int batchSize, int trainingSteps, long seed, Path dataFolder) {

    /** Validates with messages that name the {@code bench pipeline} option and the fix. */
    public Options {
      BenchArguments.positive("--records", records, "--records 60000");
      BenchArguments.positive("--batch-size", batchSize, "--batch-size 128");
      BenchArguments.positive("--training-steps", trainingSteps, "--training-steps 20");
      if ((long) batchSize * (trainingSteps + 2) > Math.min(records, 60_000)) {
        throw new IllegalArgumentException(
            "--batch-size "
                + batchSize
                + " x (--training-steps "
                + trainingSteps
                + " + 2 warm-up) needs more than the "
                + records
                + " records; raise --records or lower --training-steps");
      }
      FashionMnistFolder.check(dataFolder);
    }
  }

  private final Options options;

  public PipelineBenchmark(Options options) {
    this.options = options;
  }

  public void run(PrintStream out) throws IOException {
    VitConfig vit = VitPresets.byName("vit-tiny-fm");
    List<KafkaRecord> input = encodedFashionMnist(options.dataFolder(), options.records());
    ImageValidator validator = new ImageValidator(10, 1, 28, 28, 4096L * 4096);
    ImageAugmenter augmenter = new ImageAugmenter(options.seed(), 2);
    BatchMixer mixer =
        new BatchMixer(
            options.seed(), true, 1.0, false, PairingMode.REVERSED, 1, vit.tokenLayout());

    // Warm up the JIT on one pass of a tenth of the input.
    process(input.subList(0, Math.max(1, input.size() / 10)), validator, augmenter, mixer);
    long t0 = System.nanoTime();
    int done = 0;
    long checksum = 0;
    while (done < options.records()) {
      int n = Math.min(input.size(), options.records() - done);
      checksum += process(input.subList(0, n), validator, augmenter, mixer);
      done += n;
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double pipelineRate = done / seconds;
    out.printf(
        Locale.ROOT,
        "pipeline: records=%d seconds=%.2f records_per_s_per_core=%.0f batches=%d%n",
        done,
        seconds,
        pipelineRate,
        checksum);

    double trainingRate = trainingRate(vit, input, validator, augmenter, mixer);
    out.printf(
        Locale.ROOT,
        "training: model=vit-tiny-fm batch=%d threads=1 images_per_s=%.0f%n",
        options.batchSize(),
        trainingRate);
    out.printf(Locale.ROOT, "pipeline_over_training=%.1f%n", pipelineRate / trainingRate);
  }

  /** Decode, validate, augment, batch and mix; returns the number of batches made. */
  private long process(
      List<KafkaRecord> records,
      ImageValidator validator,
      ImageAugmenter augmenter,
      BatchMixer mixer) {
    List<TrainingImage> open = new ArrayList<>(options.batchSize());
    long batches = 0;
    for (KafkaRecord r : records) {
      TrainingImage img;
      try {
        img = validator.validate(r);
      } catch (Rejection e) {
        throw new IllegalStateException("a valid benchmark record was refused: " + e, e);
      }
      img.pixels = augmenter.augment(img.id, r.seq, img.pixels, 1, 28, 28);
      open.add(img);
      if (open.size() == options.batchSize()) {
        TrainingBatch b = mixer.mix(batches, open);
        batches += b.ids.length > 0 ? 1 : 0;
        open = new ArrayList<>(options.batchSize());
      }
    }
    return batches;
  }

  private double trainingRate(
      VitConfig vit,
      List<KafkaRecord> input,
      ImageValidator validator,
      ImageAugmenter augmenter,
      BatchMixer mixer) {
    EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    List<TrainingBatch> batches = new ArrayList<>();
    List<TrainingImage> open = new ArrayList<>();
    for (KafkaRecord r : input) {
      if (batches.size() == options.trainingSteps() + 2) {
        break;
      }
      try {
        TrainingImage img = validator.validate(r);
        img.pixels = augmenter.augment(img.id, r.seq, img.pixels, 1, 28, 28);
        open.add(img);
      } catch (Rejection e) {
        throw new IllegalStateException(e);
      }
      if (open.size() == options.batchSize()) {
        batches.add(mixer.mix(batches.size(), open));
        open = new ArrayList<>();
      }
    }
    TrainingConfig config =
        TrainingConfig.defaults(vit, options.seed()).withTargetMode(TargetMode.TLALIGN);
    try (TrainingSession session = TrainingSession.create(config, Device.cpu())) {
      session.step(batches.get(0).toMixedBatch()); // warm-up
      session.step(batches.get(1).toMixedBatch());
      long t0 = System.nanoTime();
      int images = 0;
      for (TrainingBatch b : batches.subList(2, batches.size())) {
        session.step(b.toMixedBatch());
        images += b.ids.length;
      }
      return images / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /** The first {@code records} training images of {@code folder}, at most all of them. */
  private static List<KafkaRecord> encodedFashionMnist(Path folder, int records)
      throws IOException {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    ImageDataset data = FashionMnist.open(folder, Split.TRAIN);
    int count = Math.min(records, data.size());
    List<KafkaRecord> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      DatasetImage img;
      try {
        img = data.image(i);
      } catch (UnreadableImageException e) {
        throw new IOException("Fashion-MNIST image " + i + " cannot be read: " + e.getMessage(), e);
      }
      {
        String id = img.id();
        byte[] value =
            codec.encode(
                LabeledImage.newBuilder()
                    .setId(id)
                    .setSource("fashion-mnist/train")
                    .setLabel(img.label())
                    .setHeight(img.height())
                    .setWidth(img.width())
                    .setChannels(img.channels())
                    .setEncoding(ImageEncoding.RAW_U8)
                    .setPixels(ByteBuffer.wrap(img.pixels()))
                    .setEventTime(Instant.EPOCH)
                    .build());
        KafkaRecord r =
            new KafkaRecord("bench", 0, i, 0, id.getBytes(StandardCharsets.UTF_8), value);
        r.seq = i;
        out.add(r);
      }
    }
    return out;
  }
}
