package io.tlalign.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
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
    assertRejected(record(b -> b.setHeight(2).setWidth(8)), "SHAPE_MISMATCH");
    assertRejected(record(b -> b.setChannels(2)), "BAD_DIMENSIONS");
  }
}
