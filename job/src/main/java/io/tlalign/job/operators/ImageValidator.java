package io.tlalign.job.operators;

import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.servable.ImagePixels;
import io.tlalign.schemas.ImageEncoding;
import io.tlalign.schemas.LabeledImage;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a raw Kafka record into a normalised training image, or says precisely why it cannot be
 * used. Pure logic over one record; the Flink function around it routes the rejections.
 *
 * <p>Pixels are normalised to {@code (v / 255 - 0.5) / 0.5}, in {@code [C, H, W]} order.
 */
public final class ImageValidator {

  private final AvroRecordCodec<LabeledImage> codec = AvroRecordCodec.forLabeledImage();
  private final int numClasses;
  private final int channels;
  private final int height;
  private final int width;
  private final long maxPixels;

  /**
   * @param numClasses K: labels must lie in [0, K)
   * @param channels, height, width the model's input shape; other shapes cannot be trained on
   * @param maxPixels larger images are refused before they are decoded
   */
  public ImageValidator(int numClasses, int channels, int height, int width, long maxPixels) {
    this.numClasses = numClasses;
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.maxPixels = maxPixels;
  }

  public TrainingImage validate(KafkaRecord r) throws Rejection {
    if (r.key == null) {
      throw new Rejection(RejectReason.NULL_KEY, "record has no key; the key must be the image id");
    }
    LabeledImage img;
    try {
      img = codec.decode(r.value);
    } catch (RecordDecodeException e) {
      throw new Rejection(e.reason().name(), e.getMessage());
    }
    if (img.getLabel() < 0) {
      throw new Rejection(RejectReason.LABEL_NEGATIVE, "label " + img.getLabel() + " is negative");
    }
    if (img.getLabel() >= numClasses) {
      throw new Rejection(
          RejectReason.LABEL_OUT_OF_RANGE,
          "label " + img.getLabel() + " is outside [0, " + numClasses + ")");
    }
    int h = img.getHeight();
    int w = img.getWidth();
    int c = img.getChannels();
    if (h <= 0 || w <= 0 || (c != 1 && c != 3)) {
      throw new Rejection(
          RejectReason.BAD_DIMENSIONS,
          "height " + h + ", width " + w + ", channels " + c + ": need positive sizes, 1 or 3 ch");
    }
    if ((long) h * w > maxPixels) {
      throw new Rejection(
          RejectReason.OVERSIZED_IMAGE,
          h + "x" + w + " is more than the " + maxPixels + " pixels allowed");
    }
    byte[] bytes = toArray(img.getPixels());
    float[] pixels =
        img.getEncoding() == ImageEncoding.RAW_U8
            ? fromRaw(bytes, h, w, c)
            : fromEncoded(bytes, img.getEncoding(), h, w, c);
    return TrainingImage.of(r.seq, img.getId(), img.getLabel(), channels, height, width, pixels);
  }

  private float[] fromRaw(byte[] bytes, int h, int w, int c) throws Rejection {
    long expected = (long) h * w * c;
    if (bytes.length != expected) {
      throw new Rejection(
          RejectReason.PIXEL_SIZE_MISMATCH,
          bytes.length + " pixel bytes for " + h + "x" + w + "x" + c + " (need " + expected + ")");
    }
    requireModelShape(h, w, c);
    float[] out = new float[c * h * w];
    ImagePixels.toChannelFirst(bytes, h, w, c, out, 0);
    return out;
  }

  private float[] fromEncoded(byte[] bytes, ImageEncoding enc, int h, int w, int c)
      throws Rejection {
    BufferedImage image = decode(bytes, enc);
    if (image.getHeight() != h || image.getWidth() != w) {
      throw new Rejection(
          RejectReason.PIXEL_SIZE_MISMATCH,
          enc
              + " holds "
              + image.getHeight()
              + "x"
              + image.getWidth()
              + " but the record says "
              + h
              + "x"
              + w);
    }
    requireModelShape(h, w, c);
    float[] out = new float[c * h * w];
    boolean grey = image.getRaster().getNumBands() == 1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (c == 1) {
          int v = grey ? image.getRaster().getSample(x, y, 0) : luminance(image.getRGB(x, y));
          out[y * w + x] = normalise(v);
        } else {
          int rgb = image.getRGB(x, y);
          out[(0 * h + y) * w + x] = normalise((rgb >> 16) & 0xff);
          out[(1 * h + y) * w + x] = normalise((rgb >> 8) & 0xff);
          out[(2 * h + y) * w + x] = normalise(rgb & 0xff);
        }
      }
    }
    return out;
  }

  /**
   * Reads the size from the header first, so a small file cannot expand into a huge image. The
   * bytes must be in the encoding the record declares.
   */
  private BufferedImage decode(byte[] bytes, ImageEncoding enc) throws Rejection {
    RejectReason undecodable =
        enc == ImageEncoding.PNG ? RejectReason.UNDECODABLE_PNG : RejectReason.UNDECODABLE_JPEG;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new Rejection(undecodable, "not a readable " + enc + " image");
      }
      ImageReader reader = readers.next();
      try {
        String format = reader.getFormatName();
        if (!format.equalsIgnoreCase(enc == ImageEncoding.PNG ? "png" : "jpeg")) {
          throw new Rejection(
              undecodable, "the record says " + enc + " but the bytes are " + format);
        }
        reader.setInput(in, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > maxPixels) {
          throw new Rejection(
              RejectReason.OVERSIZED_IMAGE,
              enc + " decodes to " + pixels + " pixels, more than " + maxPixels + " allowed");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new Rejection(undecodable, "cannot decode " + enc + ": " + e.getMessage());
    }
  }

  private void requireModelShape(int h, int w, int c) throws Rejection {
    if (h != height || w != width || c != channels) {
      throw new Rejection(
          RejectReason.SHAPE_MISMATCH,
          h
              + "x"
              + w
              + "x"
              + c
              + " image, but the model takes "
              + height
              + "x"
              + width
              + "x"
              + channels);
    }
  }

  private static int luminance(int rgb) {
    return (int)
        Math.round(
            0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff));
  }

  static float normalise(int v) {
    return ImagePixels.normalise(v);
  }

  private static byte[] toArray(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return out;
  }
}
