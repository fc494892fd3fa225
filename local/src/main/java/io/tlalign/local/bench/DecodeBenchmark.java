package io.tlalign.local.bench;

import ai.djl.Device;
import io.tlalign.alignment.PairingMode;
import io.tlalign.job.operators.BatchMixer;
import io.tlalign.job.operators.ImageDecoder;
import io.tlalign.job.operators.ImageValidator;
import io.tlalign.job.operators.Rejection;
import io.tlalign.job.operators.TrainCrop;
import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.bench.BenchArguments;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Images per second per core from photo-size JPEG records to a model's input, through the job's own
 * decode stage ({@link ImageValidator}: Avro decode, the header check, JPEG decode, then the data
 * config's transform and normalisation) on one thread: the training transform (RandomResizedCrop,
 * flip) and the evaluation transform (resize, centre crop), with the JPEG decode alone for
 * reference. Then the model's TL-Align training rate on one PyTorch thread on those very images, so
 * the two can be set side by side: how many cores of decoding one training thread needs.
 *
 * <p>The JPEGs are made here, deterministically: smooth colour gradients, a few sinusoidal textures
 * and seeded noise, so that the encoder has detail to keep (a flat image would decode
 * unrealistically fast).
 */
public final class DecodeBenchmark {

  /**
   * @param images distinct JPEGs made (cycled)
   * @param records records timed per transform
   * @param trainSteps timed training steps; 0 skips the training rate
   */
  public record Options(
      String model,
      int width,
      int height,
      float quality,
      int images,
      int records,
      int trainBatch,
      int trainSteps,
      long seed) {

    /** Validates with messages that name the {@code bench decode} option, the value and the fix. */
    public Options {
      BenchArguments.preset(model);
      model = model.trim().toLowerCase(Locale.ROOT);
      BenchArguments.positive("--width", width, "--width 500");
      BenchArguments.positive("--height", height, "--height 375");
      BenchArguments.positive("--images", images, "--images 32");
      BenchArguments.positive("--records", records, "--records 500");
      BenchArguments.positive("--train-batch", trainBatch, "--train-batch 32");
      BenchArguments.notNegative("--train-steps", trainSteps, "--train-steps 5");
      if (!(quality > 0 && quality <= 1)) {
        throw new IllegalArgumentException(
            "--quality must be in (0, 1], got " + quality + "; try --quality 0.9");
      }
    }
  }

  private final Options options;

  public DecodeBenchmark(Options options) {
    this.options = options;
  }

  public void run(PrintWriter out) throws IOException {
    VitConfig vit = VitPresets.byName(options.model());
    DataConfig data = VitPresets.dataConfig(vit);
    List<KafkaRecord> input = jpegRecords();
    long bytes = 0;
    for (KafkaRecord r : input) {
      bytes += r.value.length;
    }
    out.printf(
        Locale.ROOT,
        "decode: jpeg=%dx%d quality=%.2f images=%d mean_bytes=%d model=%s input=%dx%dx%d"
            + " threads=1%n",
        options.width(),
        options.height(),
        options.quality(),
        input.size(),
        bytes / input.size(),
        vit.name(),
        data.channels(),
        data.height(),
        data.width());
    long maxPixels = (long) options.width() * options.height();
    TrainCrop crop =
        new TrainCrop(
            options.seed(),
            TrainCrop.DEFAULT_SCALE,
            TrainCrop.DEFAULT_RATIO,
            TrainCrop.DEFAULT_HFLIP);
    ImageValidator train = new ImageValidator(vit.numClasses(), data, maxPixels, crop);
    ImageValidator eval = new ImageValidator(vit.numClasses(), data, maxPixels, null);

    List<byte[]> jpegs = input.stream().map(DecodeBenchmark::jpegOf).toList();
    int n = input.size();
    double decodeOnly =
        rate(
            n,
            i ->
                ImageDecoder.decode(
                        jpegs.get(i),
                        ImageEncoding.JPEG,
                        options.height(),
                        options.width(),
                        maxPixels)
                    .data()[i]);
    double trainRate = rate(n, i -> Float.floatToIntBits(train.validate(input.get(i)).pixels[i]));
    double evalRate = rate(n, i -> Float.floatToIntBits(eval.validate(input.get(i)).pixels[i]));
    line(out, "decode_only", decodeOnly, "JPEG to pixels");
    line(out, "decode_train", trainRate, "decode + RandomResizedCrop + flip + normalise");
    line(out, "decode_eval", evalRate, "decode + resize + centre crop + normalise");

    if (options.trainSteps() == 0) {
      out.printf(
          Locale.ROOT,
          "training: not measured (--train-steps 0); './tlalign bench step --model %s"
              + " --batch-size %d' gives the rate (its mode=tlalign line)%n",
          vit.name(),
          options.trainBatch());
      return;
    }
    double training = trainingRate(vit, input, train);
    out.printf(
        Locale.ROOT,
        "training: model=%s batch=%d steps=%d threads=1 target=tlalign images_per_s=%.1f%n",
        vit.name(),
        options.trainBatch(),
        options.trainSteps(),
        training);
    out.printf(
        Locale.ROOT,
        "decode_train_over_training=%.1f (one decoding core feeds this many training threads)%n",
        trainRate / training);
    out.flush();
  }

  private interface Work {
    /** Does one record's work; returns a number that depends on the result. */
    int apply(int index) throws Rejection;
  }

  /** Sums what the work returned, so that the JIT cannot drop the work. */
  private long checksum;

  /** Records per second of {@code work} over {@code options.records()} records, after a warm-up. */
  private double rate(int distinct, Work work) {
    int warm = Math.max(1, Math.min(distinct, options.records() / 10));
    for (int i = 0; i < warm; i++) {
      checksum += apply(work, i % distinct);
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < options.records(); i++) {
      checksum += apply(work, i % distinct);
    }
    return options.records() / ((System.nanoTime() - t0) / 1e9);
  }

  private static int apply(Work work, int index) {
    try {
      return work.apply(index);
    } catch (Rejection e) {
      throw new IllegalStateException("a benchmark record was refused: " + e.getMessage(), e);
    }
  }

  private static byte[] jpegOf(KafkaRecord r) {
    try {
      ByteBuffer b = AvroRecordCodec.forLabeledImage().decode(r.value).getPixels().duplicate();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (io.tlalign.schemas.codec.RecordDecodeException e) {
      throw new IllegalStateException(e);
    }
  }

  private void line(PrintWriter out, String name, double rate, String what) {
    out.printf(
        Locale.ROOT,
        "%s: records=%d images_per_s_per_core=%.1f (%s)%n",
        name,
        options.records(),
        rate,
        what);
    out.flush();
  }

  /** TL-Align steps on batches of the training transform's output, one PyTorch thread. */
  private double trainingRate(VitConfig vit, List<KafkaRecord> input, ImageValidator train) {
    EngineSetup.start(EngineOptions.defaults().withThreads(1, 1));
    BatchMixer mixer =
        new BatchMixer(
            options.seed(),
            true,
            1.0,
            false,
            PairingMode.REVERSED,
            vit.channels(),
            vit.tokenLayout());
    List<TrainingBatch> batches = new ArrayList<>();
    long seq = 0;
    while (batches.size() < options.trainSteps() + 1) {
      List<TrainingImage> open = new ArrayList<>();
      while (open.size() < options.trainBatch()) {
        KafkaRecord r = input.get((int) (seq % input.size()));
        r.seq = seq++;
        TrainingImage img;
        try {
          img = train.validate(r);
        } catch (Rejection e) {
          throw new IllegalStateException(e);
        }
        open.add(img);
      }
      batches.add(mixer.mix(batches.size(), open));
    }
    TrainingConfig config =
        TrainingConfig.defaults(vit, options.seed()).withTargetMode(TargetMode.TLALIGN);
    try (TrainingSession session = TrainingSession.create(config, Device.cpu())) {
      session.step(batches.get(0).toMixedBatch()); // warm-up
      long t0 = System.nanoTime();
      int images = 0;
      for (TrainingBatch b : batches.subList(1, batches.size())) {
        session.step(b.toMixedBatch());
        images += b.ids.length;
      }
      return images / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /** {@code options.images()} JPEG records of distinct textured images. */
  private List<KafkaRecord> jpegRecords() throws IOException {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    List<KafkaRecord> out = new ArrayList<>();
    for (int i = 0; i < options.images(); i++) {
      byte[] jpeg = jpeg(photo(options.width(), options.height(), options.seed() + i));
      String id = "bench-decode/" + i;
      byte[] value =
          codec.encode(
              LabeledImage.newBuilder()
                  .setId(id)
                  .setSource("bench-decode")
                  .setLabel(i % 10)
                  .setHeight(options.height())
                  .setWidth(options.width())
                  .setChannels(3)
                  .setEncoding(ImageEncoding.JPEG)
                  .setPixels(ByteBuffer.wrap(jpeg))
                  .setEventTime(Instant.EPOCH)
                  .build());
      KafkaRecord r = new KafkaRecord("bench", 0, i, 0, id.getBytes(StandardCharsets.UTF_8), value);
      r.seq = i;
      out.add(r);
    }
    return out;
  }

  /** Gradients, three sinusoidal textures of seeded frequency and direction, and pixel noise. */
  static BufferedImage photo(int w, int h, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] waves = new double[3][4];
    for (double[] wave : waves) {
      wave[0] = 0.02 + 0.3 * random.nextDouble(); // frequency, radians per pixel
      wave[1] = Math.PI * random.nextDouble(); // direction
      wave[2] = 2 * Math.PI * random.nextDouble(); // phase
      wave[3] = 20 + 40 * random.nextDouble(); // amplitude
    }
    int[] base = {random.nextInt(256), random.nextInt(256), random.nextInt(256)};
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
          double[] wave = waves[c];
          double t = x * Math.cos(wave[1]) + y * Math.sin(wave[1]);
          double v =
              base[c] * (0.5 + 0.5 * (x + y) / (double) (w + h))
                  + wave[3] * Math.sin(wave[0] * t + wave[2])
                  + random.nextInt(25)
                  - 12;
          rgb = rgb << 8 | Math.max(0, Math.min(255, (int) v));
        }
        img.setRGB(x, y, rgb);
      }
    }
    return img;
  }

  private byte[] jpeg(BufferedImage img) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(options.quality());
      writer.write(null, new IIOImage(img, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
