package io.tlalign.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.data.ImageTransforms;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class ImageValidatorTest {

  private final ImageValidator validator = new ImageValidator(10, 1, 4, 4, 64 * 64);
  private final AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();

  private static LabeledImage.Builder image() {
    byte[] px = new byte[16];
    for (int i = 0; i < 16; i++) {
      px[i] = (byte) (i * 17);
    }
    return LabeledImage.newBuilder()
        .setId("x-1")
        .setSource("test")
        .setLabel(3)
        .setHeight(4)
        .setWidth(4)
        .setChannels(1)
        .setEncoding(ImageEncoding.RAW_U8)
        .setPixels(ByteBuffer.wrap(px))
        .setEventTime(Instant.ofEpochMilli(1));
  }

  private KafkaRecord record(byte[] value) {
    return new KafkaRecord("t", 0, 9, 1, "x-1".getBytes(StandardCharsets.UTF_8), value);
  }

  private KafkaRecord record(Consumer<LabeledImage.Builder> change) {
    LabeledImage.Builder b = image();
    change.accept(b);
    return record(codec.encode(b.build()));
  }

  private void assertRejected(KafkaRecord r, String reason) {
    assertThatThrownBy(() -> validator.validate(r))
        .isInstanceOf(Rejection.class)
        .satisfies(e -> assertThat(((Rejection) e).reasonCode()).isEqualTo(reason))
        .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
  }

  @Test
  void aGoodRawImageIsNormalisedChannelFirst() throws Exception {
    TrainingImage img = validator.validate(record(b -> {}));
    assertThat(img.id).isEqualTo("x-1");
    assertThat(img.label).isEqualTo(3);
    assertThat(img.pixels).hasSize(16);
    for (int i = 0; i < 16; i++) {
      assertThat(img.pixels[i]).isCloseTo((i * 17 / 255f - 0.5f) / 0.5f, within(1e-6f));
    }
  }

  @Test
  void aGoodPngDecodesToTheSamePixelsAsRaw() throws Exception {
    BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < 16; i++) {
      bi.getRaster().setSample(i % 4, i / 4, 0, i * 17);
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(bi, "png", png);
    TrainingImage fromPng =
        validator.validate(
            record(
                b ->
                    b.setEncoding(ImageEncoding.PNG)
                        .setPixels(ByteBuffer.wrap(png.toByteArray()))));
    TrainingImage fromRaw = validator.validate(record(b -> {}));
    assertThat(fromPng.pixels).containsExactly(fromRaw.pixels);
  }

  @Test
  void aPngDeclaredAsJpegIsRefused() throws Exception {
    BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(bi, "png", png);
    assertRejected(
        record(
            b -> b.setEncoding(ImageEncoding.JPEG).setPixels(ByteBuffer.wrap(png.toByteArray()))),
        "UNDECODABLE_JPEG");
  }

  @Test
  void eachKindOfBadRecordHasItsOwnReason() {
    byte[] good = codec.encode(image().build());
    assertRejected(new KafkaRecord("t", 0, 1, 1, null, good), "NULL_KEY");
    assertRejected(record(new byte[0]), "EMPTY");
    assertRejected(record(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}), "BAD_MARKER");
    assertRejected(record(Arrays.copyOf(good, good.length - 5)), "TRUNCATED");
    byte[] unknown = good.clone();
    unknown[5] ^= 0x55;
    assertRejected(record(unknown), "UNKNOWN_FINGERPRINT");
    assertRejected(record(b -> b.setLabel(-1)), "LABEL_NEGATIVE");
    assertRejected(record(b -> b.setLabel(10)), "LABEL_OUT_OF_RANGE");
    assertRejected(record(b -> b.setPixels(ByteBuffer.wrap(new byte[15]))), "PIXEL_SIZE_MISMATCH");
    assertRejected(
        record(b -> b.setEncoding(ImageEncoding.PNG).setPixels(ByteBuffer.wrap(new byte[] {1, 2}))),
        "UNDECODABLE_PNG");
    assertRejected(
        record(
            b ->
                b.setEncoding(ImageEncoding.JPEG)
                    .setPixels(ByteBuffer.wrap(new byte[] {(byte) 0xFF, (byte) 0xD8, 0, 0}))),
        "UNDECODABLE_JPEG");
    assertRejected(
        record(b -> b.setHeight(1000).setWidth(1000).setPixels(ByteBuffer.wrap(new byte[0]))),
        "OVERSIZED_IMAGE");
    assertRejected(record(b -> b.setChannels(2)), "BAD_DIMENSIONS");
  }

  private static byte[] png(BufferedImage bi) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(bi, "png", out);
    return out.toByteArray();
  }

  private KafkaRecord encoded(ImageEncoding enc, byte[] bytes, int h, int w, int c) {
    return record(
        b ->
            b.setEncoding(enc)
                .setHeight(h)
                .setWidth(w)
                .setChannels(c)
                .setPixels(ByteBuffer.wrap(bytes)));
  }

  private static void assertAll(float[] pixels, int expected) {
    assertThat(pixels).hasSize(16);
    for (float p : pixels) {
      assertThat(p).isEqualTo(ImageValidator.normalise(expected));
    }
  }

  @Test
  void aLargerRawImageIsResizedToTheModelSize() throws Exception {
    byte[] flat = new byte[8 * 8];
    Arrays.fill(flat, (byte) 100);
    assertAll(
        validator.validate(record(b -> b.setHeight(8).setWidth(8).setPixels(ByteBuffer.wrap(flat))))
            .pixels,
        100);
  }

  @Test
  void aNonSquareImageOnceOfTheWrongShapeIsNowCentreCropped() throws Exception {
    // 2x8 (the old SHAPE_MISMATCH): shorter side 2 -> 4, longer 8 -> 16, centre 4x4 of that
    TrainingImage img =
        validator.validate(
            record(b -> b.setHeight(2).setWidth(8).setPixels(ByteBuffer.wrap(new byte[16]))));
    assertThat(img.height).isEqualTo(4);
    assertAll(img.pixels, 0);
  }

  @Test
  void rawRgbBecomesGreyByLuminance() throws Exception {
    byte[] red = new byte[4 * 4 * 3];
    for (int i = 0; i < 16; i++) {
      red[3 * i] = (byte) 255;
    }
    // (255 * 19595 + 32768) >> 16 = 76
    assertAll(
        validator.validate(record(b -> b.setChannels(3).setPixels(ByteBuffer.wrap(red)))).pixels,
        76);
  }

  @Test
  void rgbaPngDropsAlphaAndTakesLuminance() throws Exception {
    BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        bi.setRGB(x, y, (0x00 << 24) | (10 << 16) | (20 << 8) | 30);
      }
    }
    // luminance(10, 20, 30) = 1222248 >> 16 = 18, alpha 0 ignored
    assertAll(validator.validate(encoded(ImageEncoding.PNG, png(bi), 4, 4, 3)).pixels, 18);
  }

  @Test
  void palettePngIsLookedUp() throws Exception {
    byte[] r = {0, (byte) 255};
    byte[] g = {0, 0};
    byte[] bl = {0, 0};
    BufferedImage bi =
        new BufferedImage(
            4, 4, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(1, 2, r, g, bl));
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        bi.getRaster().setSample(x, y, 0, 1);
      }
    }
    assertAll(validator.validate(encoded(ImageEncoding.PNG, png(bi), 4, 4, 3)).pixels, 76);
  }

  @Test
  void sixteenBitGreyPngScalesTo8Bits() throws Exception {
    BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        bi.getRaster().setSample(x, y, 0, 257 * 100);
      }
    }
    // 25700 * 255 / 65535 = 100 exactly
    assertAll(validator.validate(encoded(ImageEncoding.PNG, png(bi), 4, 4, 1)).pixels, 100);
  }

  @Test
  void greyPngForAnRgbModelIsReplicated() throws Exception {
    BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        bi.getRaster().setSample(x, y, 0, 200);
      }
    }
    TrainingImage img =
        new ImageValidator(10, 3, 4, 4, 64 * 64)
            .validate(encoded(ImageEncoding.PNG, png(bi), 4, 4, 1));
    assertThat(img.channels).isEqualTo(3);
    assertThat(img.pixels).hasSize(48);
    for (float p : img.pixels) {
      assertThat(p).isEqualTo(ImageValidator.normalise(200));
    }
  }

  @Test
  void aHugePngIsRefusedFromItsHeaderAlone() throws Exception {
    // signature + an IHDR of 30000x30000 8-bit grey and nothing else: decoding would need 900 MB
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    DataOutputStream c = new DataOutputStream(chunk);
    c.writeBytes("IHDR");
    c.writeInt(30000);
    c.writeInt(30000);
    c.write(new byte[] {8, 0, 0, 0, 0});
    out.writeInt(13);
    out.write(chunk.toByteArray());
    CRC32 crc = new CRC32();
    crc.update(chunk.toByteArray());
    out.writeInt((int) crc.getValue());
    assertRejected(encoded(ImageEncoding.PNG, bytes.toByteArray(), 4, 4, 1), "OVERSIZED_IMAGE");
  }

  @Test
  void theTrainingCropIsTheBoxRecomputedFromTheRecordsSeed() {
    TrainCrop crop = new TrainCrop(42, new double[] {0.08, 1}, new double[] {0.75, 4.0 / 3}, 0.5);
    DataConfig cfg =
        new DataConfig(
            4,
            4,
            1,
            new float[] {0.5f},
            new float[] {0.5f},
            1.0,
            DataConfig.Interpolation.BICUBIC,
            true);
    ImageValidator v = new ImageValidator(10, cfg, 64 * 64, crop);
    byte[] px = new byte[16 * 16];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i * 7);
    }
    U8Image src = new U8Image(16, 16, 1, px);

    // by hand: timm's get_params with the same generator, first attempt that fits
    UniformRandomProvider rng =
        RandomSource.SPLIT_MIX_64.create(ImageAugmenter.seedFor(42, "x-1", 9));
    int top = -1;
    int left = -1;
    int ch = 0;
    int cw = 0;
    for (int attempt = 0; attempt < 10 && top < 0; attempt++) {
      double area = 256 * (0.08 + 0.92 * rng.nextDouble());
      double logLo = Math.log(0.75);
      double aspect = Math.exp(logLo + (Math.log(4.0 / 3) - logLo) * rng.nextDouble());
      cw = (int) Math.rint(Math.sqrt(area * aspect));
      ch = (int) Math.rint(Math.sqrt(area / aspect));
      if (cw <= 16 && ch <= 16) {
        top = rng.nextInt(16 - ch + 1);
        left = rng.nextInt(16 - cw + 1);
      }
    }
    assertThat(top).isNotNegative();
    U8Image expected =
        ImageTransforms.resize(
            ImageTransforms.crop(src, top, left, ch, cw), 4, 4, DataConfig.Interpolation.BICUBIC);
    if (rng.nextDouble() < 0.5) {
      expected = ImageTransforms.flipHorizontal(expected);
    }

    assertThat(v.transform(src, "x-1", 9).data()).isEqualTo(expected.data());
    assertThat(v.transform(src, "x-1", 9).data()).isEqualTo(v.transform(src, "x-1", 9).data());
  }

  @Test
  void aColourJpegBecomesGreyByLuminance() throws Exception {
    BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        bi.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
      }
    }
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(bi, "jpeg", jpeg);
    // luminance(200, 100, 50) = (3919000 + 3847000 + 373550 + 32768) >> 16 = 124; JPEG is lossy
    float[] px =
        validator.validate(encoded(ImageEncoding.JPEG, jpeg.toByteArray(), 4, 4, 3)).pixels;
    for (float p : px) {
      assertThat(p).isCloseTo(ImageValidator.normalise(124), within(4 * 2 / 255f));
    }
  }

  @Test
  void aPngOfAnotherSizeThanTheRecordSaysIsRefusedBeforeDecoding() throws Exception {
    BufferedImage bi = new BufferedImage(6, 5, BufferedImage.TYPE_BYTE_GRAY);
    assertRejected(encoded(ImageEncoding.PNG, png(bi), 4, 4, 1), "PIXEL_SIZE_MISMATCH");
  }
}
