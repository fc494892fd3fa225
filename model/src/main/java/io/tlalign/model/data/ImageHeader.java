package io.tlalign.model.data;

import io.tlalign.schemas.ImageEncoding;
import java.awt.color.ColorSpace;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * What the header of a PNG or JPEG says, read without decoding a pixel: the format, the size and
 * the channels the decoder will give (1 for grey, 3 for everything else). The job's decoder, the
 * scoring paths ({@link EncodedImages}) and {@code replay} all check the size with {@link #exceeds}
 * before any pixel memory is allocated, so a small file claiming 30000x30000 is refused cheaply.
 *
 * @param channels 1 (grey, 8 or 16 bit, with or without alpha) or 3 (palette, RGB, RGBA, CMYK...)
 */
public record ImageHeader(ImageEncoding encoding, int height, int width, int channels) {

  /** The bytes are not a PNG or JPEG image whose header can be read; the message says why. */
  public static final class NotPngOrJpegException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean otherFormat;

    NotPngOrJpegException(String message, boolean otherFormat) {
      super(message);
      this.otherFormat = otherFormat;
    }

    /** True: an image of another format (GIF, BMP...); false: no image, or a broken header. */
    public boolean otherFormat() {
      return otherFormat;
    }
  }

  /**
   * Reads the header of {@code bytes}.
   *
   * @throws NotPngOrJpegException naming the format found (e.g. GIF), or saying that none was
   */
  public static ImageHeader read(byte[] bytes) throws NotPngOrJpegException {
    try (ImageInputStream in =
        javax.imageio.ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = readerFor(in);
      try {
        reader.setInput(in, true, true);
        return of(reader);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new NotPngOrJpegException("not readable as PNG or JPEG: " + describe(e), false);
    }
  }

  /**
   * The reader for the format of the bytes {@code in} holds, not yet given its input.
   *
   * @throws NotPngOrJpegException when no reader knows the bytes, or they are another format
   */
  public static ImageReader readerFor(ImageInputStream in)
      throws NotPngOrJpegException, IOException {
    Iterator<ImageReader> readers = in == null ? null : javax.imageio.ImageIO.getImageReaders(in);
    if (readers == null || !readers.hasNext()) {
      throw new NotPngOrJpegException("not an image (no PNG or JPEG signature)", false);
    }
    ImageReader reader = readers.next();
    if (encodingOf(reader.getFormatName()).isEmpty()) {
      String format = reader.getFormatName().toUpperCase(Locale.ROOT);
      reader.dispose();
      throw new NotPngOrJpegException("a " + format + " image, not PNG or JPEG", true);
    }
    return reader;
  }

  /** The header of the image {@code reader} was given (a PNG or JPEG reader). */
  public static ImageHeader of(ImageReader reader) throws IOException {
    String format = reader.getFormatName();
    ImageEncoding encoding =
        encodingOf(format).orElseThrow(() -> new IOException(format + " is not PNG or JPEG"));
    int w = reader.getWidth(0);
    int h = reader.getHeight(0);
    return new ImageHeader(encoding, h, w, channelsOf(reader));
  }

  /** The grey test of the decoder: a grey colour space that is not a palette. */
  public static boolean isGrey(ColorModel cm) {
    return !(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
  }

  /** Pixels in all. */
  public long pixels() {
    return (long) height * width;
  }

  /** True when the image has more than {@code maxPixels} pixels. */
  public boolean exceeds(long maxPixels) {
    return pixels() > maxPixels;
  }

  /** The reason given for an image over the limit, the same in the job and in {@code replay}. */
  public String oversizedMessage(long maxPixels) {
    return oversizedMessage(encoding.name(), height, width, maxPixels);
  }

  /** The reason given for an image of any format over the limit. */
  static String oversizedMessage(String format, long height, long width, long maxPixels) {
    return format
        + " header says "
        + height
        + "x"
        + width
        + ", more than the "
        + maxPixels
        + " pixels allowed";
  }

  private static Optional<ImageEncoding> encodingOf(String formatName) {
    return switch (formatName.toLowerCase(Locale.ROOT)) {
      case "png" -> Optional.of(ImageEncoding.PNG);
      case "jpeg", "jpg" -> Optional.of(ImageEncoding.JPEG);
      default -> Optional.empty();
    };
  }

  /**
   * 1 or 3 from the raw image type; 3 where the reader cannot say (a CMYK JPEG, or a PNG cut off
   * before its pixel data: the decoder refuses that one anyway).
   */
  private static int channelsOf(ImageReader reader) {
    ImageTypeSpecifier raw;
    try {
      raw = reader.getRawImageType(0);
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      raw = null;
    }
    return raw != null && isGrey(raw.getColorModel()) ? 1 : 3;
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
