package io.tlalign.it;

import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The bad-input corpus under {@code src/test/resources/bad-records/}: one file per kind of bad
 * record (the Kafka value, byte for byte) and {@code manifest.csv} with, per file, the Kafka key to
 * send it with ({@code <null>} for none) and the reason code the job must dead-letter it with.
 *
 * <p>The files are what the tests read; this class made them and documents how. It is deterministic
 * (fixed seed, fixed event time), so regenerating gives the same bytes, and {@link BadInputITCase}
 * checks that the checked-in files still equal {@link #generate()}. To regenerate after a
 * deliberate change, from the repository root:
 *
 * <pre>
 * mvn -B -o -q -pl it-tests test-compile
 * java -cp "it-tests/target/test-classes:$(mvn -B -o -q -pl it-tests dependency:build-classpath \
 *     -Dmdep.outputFile=/dev/stdout)" io.tlalign.it.BadRecordCorpus it-tests/src/test/resources/bad-records
 * </pre>
 *
 * <p>The cases assume the job runs with K = 10 classes, the model's 28x28x1 input and {@code
 * tlalign.max-image-pixels} = {@value #MAX_IMAGE_PIXELS}: the oversized image is 100x100 with
 * matching bytes, so it fails on its declared size and on nothing else.
 */
public final class BadRecordCorpus {

  /** The classpath folder of the corpus. */
  public static final String RESOURCE_DIR = "/bad-records/";

  /** The value of {@code tlalign.max-image-pixels} the corpus is meant for: 64 x 64. */
  public static final int MAX_IMAGE_PIXELS = 64 * 64;

  /** The key written for {@code <null>} in the manifest. */
  public static final String NULL_KEY = "<null>";

  private static final Instant EVENT_TIME = Instant.parse("2024-01-01T00:00:00Z");

  /** One bad record: its file, the key it is sent with (null for none) and the expected code. */
  public record Case(String file, String key, String reason, String description, byte[] value) {
    byte[] keyBytes() {
      return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }
  }

  private BadRecordCorpus() {}

  /** Writes the corpus files and {@code manifest.csv} into the folder given as first argument. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: BadRecordCorpus <output folder>");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    StringBuilder manifest = new StringBuilder("file,key,reason,description\n");
    for (Case c : generate()) {
      Files.write(dir.resolve(c.file()), c.value());
      manifest
          .append(c.file())
          .append(',')
          .append(c.key() == null ? NULL_KEY : c.key())
          .append(',')
          .append(c.reason())
          .append(',')
          .append(c.description())
          .append('\n');
    }
    Files.writeString(dir.resolve("manifest.csv"), manifest.toString(), StandardCharsets.UTF_8);
    System.out.println("wrote " + generate().size() + " cases and manifest.csv to " + dir);
  }

  /** The corpus as this class generates it, in manifest order. */
  public static List<Case> generate() {
    AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
    List<Case> out = new ArrayList<>();

    out.add(
        new Case("01-empty-value.bin", "bad/empty", "EMPTY", "a zero-length value", new byte[0]));

    // 64 seeded random bytes that do not start with the single-object marker C3 01.
    Random random = new Random(20240101L);
    byte[] noise = new byte[64];
    random.nextBytes(noise);
    noise[0] = 0x7b; // '{', whatever the seed gave: never C3
    out.add(
        new Case(
            "02-random-bytes.bin",
            "bad/random",
            "BAD_MARKER",
            "64 random bytes without the Avro single-object marker",
            noise));

    byte[] valid = codec.encode(raw("bad/truncated", 3, 28, 28, 1, pixels(28 * 28)));
    out.add(
        new Case(
            "03-truncated.bin",
            "bad/truncated",
            "TRUNCATED",
            "a valid record cut off in the middle of its pixel bytes",
            Arrays.copyOf(valid, valid.length / 2)));

    byte[] unknown = codec.encode(raw("bad/fingerprint", 3, 28, 28, 1, pixels(28 * 28)));
    // Bytes 2..9 are the writer schema's CRC-64-AVRO fingerprint; no schema has this one.
    for (int i = 2; i < 10; i++) {
      unknown[i] = (byte) (0xA0 + i);
    }
    out.add(
        new Case(
            "04-unknown-fingerprint.bin",
            "bad/fingerprint",
            "UNKNOWN_FINGERPRINT",
            "a valid body behind a writer fingerprint no schema has",
            unknown));

    out.add(
        new Case(
            "05-label-negative.bin",
            "bad/label-negative",
            "LABEL_NEGATIVE",
            "label -1",
            codec.encode(raw("bad/label-negative", -1, 28, 28, 1, pixels(28 * 28)))));

    out.add(
        new Case(
            "06-label-out-of-range.bin",
            "bad/label-10",
            "LABEL_OUT_OF_RANGE",
            "label 10 with K = 10",
            codec.encode(raw("bad/label-10", 10, 28, 28, 1, pixels(28 * 28)))));

    out.add(
        new Case(
            "07-pixel-size-mismatch.bin",
            "bad/pixel-size",
            "PIXEL_SIZE_MISMATCH",
            "RAW_U8 28x28x1 with 700 pixel bytes instead of 784",
            codec.encode(raw("bad/pixel-size", 3, 28, 28, 1, pixels(700)))));

    // The PNG signature and the start of an IHDR chunk, then garbage: a PNG reader is found, and
    // fails on the header.
    byte[] png = {
      (byte) 0x89,
      'P',
      'N',
      'G',
      '\r',
      '\n',
      0x1a,
      '\n',
      0,
      0,
      0,
      13,
      'I',
      'H',
      'D',
      'R',
      0x55,
      0x55,
      0x55
    };
    out.add(
        new Case(
            "08-undecodable-png.bin",
            "bad/png",
            "UNDECODABLE_PNG",
            "PNG 28x28x1 whose bytes are a PNG signature and a cut-off header",
            codec.encode(encoded("bad/png", ImageEncoding.PNG, png))));

    // SOI and the start of an APP0 segment, then garbage: a JPEG reader is found, and fails.
    byte[] jpeg = {
      (byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 0x55, 0x55
    };
    out.add(
        new Case(
            "09-undecodable-jpeg.bin",
            "bad/jpeg",
            "UNDECODABLE_JPEG",
            "JPEG 28x28x1 whose bytes are a JPEG SOI and a cut-off APP0 segment",
            codec.encode(encoded("bad/jpeg", ImageEncoding.JPEG, jpeg))));

    out.add(
        new Case(
            "10-oversized-image.bin",
            "bad/oversized",
            "OVERSIZED_IMAGE",
            "RAW_U8 100x100x1 with all 10000 bytes: over 64x64 pixels and nothing else wrong",
            codec.encode(raw("bad/oversized", 3, 100, 100, 1, pixels(100 * 100)))));

    out.add(
        new Case(
            "11-null-key.bin",
            null,
            "NULL_KEY",
            "a valid 28x28x1 record sent without a key",
            codec.encode(raw("bad/null-key", 3, 28, 28, 1, pixels(28 * 28)))));

    // Beyond the cases the issue lists: one for each remaining reason code.
    byte[] trailing = codec.encode(raw("bad/trailing", 3, 28, 28, 1, pixels(28 * 28)));
    trailing = Arrays.copyOf(trailing, trailing.length + 3);
    out.add(
        new Case(
            "12-trailing-bytes.bin",
            "bad/trailing",
            "TRAILING_BYTES",
            "a valid record followed by 3 zero bytes",
            trailing));

    // A valid header, then a body whose first field (the id string) declares length -1.
    byte[] malformed = Arrays.copyOf(codec.encode(raw("x", 3, 28, 28, 1, pixels(28 * 28))), 16);
    malformed[10] = 0x01; // zig-zag varint -1
    out.add(
        new Case(
            "13-malformed-body.bin",
            "bad/malformed",
            "MALFORMED_BODY",
            "a valid header and a body whose id string declares length -1",
            malformed));

    out.add(
        new Case(
            "14-incompatible-schema.bin",
            "bad/incompatible",
            "INCOMPATIBLE_SCHEMA",
            "a TrainingMetric (a known writer schema of another record) on the image topic",
            AvroRecordCodec.forTrainingMetric()
                .encode(
                    TrainingMetric.newBuilder()
                        .setStep(1)
                        .setLoss(2.0)
                        .setAccuracy(null)
                        .setLearningRate(1e-3)
                        .setImagesPerSecond(0)
                        .setMeanLambda(0.5)
                        .setMeanAlignedShareA(0.5)
                        .setTime(EVENT_TIME)
                        .build())));

    out.add(
        new Case(
            "15-bad-dimensions.bin",
            "bad/dimensions",
            "BAD_DIMENSIONS",
            "RAW_U8 28x28 with 2 channels (only 1 or 3 are images)",
            codec.encode(raw("bad/dimensions", 3, 28, 28, 2, pixels(28 * 28 * 2)))));

    return out;
  }

  /**
   * A record that was once refused as SHAPE_MISMATCH (RAW_U8 32x32x1, not the model's 28x28x1) and
   * is now a good image: the evaluation transform brings any size to the model's input.
   */
  public static byte[] formerShapeMismatch() {
    return AvroRecordCodec.forLabeledImage()
        .encode(raw("good/32x32", 3, 32, 32, 1, pixels(32 * 32)));
  }

  /** The checked-in corpus, read from the classpath as the manifest lists it. */
  public static List<Case> load() throws IOException {
    List<Case> out = new ArrayList<>();
    String manifest = new String(resource("manifest.csv"), StandardCharsets.UTF_8);
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (String line : manifest.split("\n")) {
      if (line.isBlank() || line.startsWith("file,")) {
        continue;
      }
      String[] f = line.split(",", 4);
      if (f.length != 4 || seen.put(f[0], true) != null) {
        throw new IllegalStateException("bad manifest line: " + line);
      }
      out.add(
          new Case(f[0], NULL_KEY.equals(f[1]) ? null : f[1], f[2], f[3].strip(), resource(f[0])));
    }
    return out;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = BadRecordCorpus.class.getResourceAsStream(RESOURCE_DIR + name)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE_DIR + name + " is not on the test classpath");
      }
      return in.readAllBytes();
    }
  }

  private static byte[] pixels(int n) {
    byte[] px = new byte[n];
    for (int i = 0; i < n; i++) {
      px[i] = (byte) (i * 7);
    }
    return px;
  }

  private static LabeledImage raw(String id, int label, int h, int w, int c, byte[] px) {
    return LabeledImage.newBuilder()
        .setId(id)
        .setSource("tlalign/bad-records")
        .setLabel(label)
        .setHeight(h)
        .setWidth(w)
        .setChannels(c)
        .setEncoding(ImageEncoding.RAW_U8)
        .setPixels(ByteBuffer.wrap(px))
        .setEventTime(EVENT_TIME)
        .build();
  }

  private static LabeledImage encoded(String id, ImageEncoding encoding, byte[] bytes) {
    return LabeledImage.newBuilder()
        .setId(id)
        .setSource("tlalign/bad-records")
        .setLabel(3)
        .setHeight(28)
        .setWidth(28)
        .setChannels(1)
        .setEncoding(encoding)
        .setPixels(ByteBuffer.wrap(bytes))
        .setEventTime(EVENT_TIME)
        .build();
  }
}
