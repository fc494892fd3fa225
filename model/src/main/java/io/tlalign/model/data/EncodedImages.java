package io.tlalign.model.data;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Encoded image bytes (PNG, JPEG, or anything else {@code ImageIO} reads) to an 8-bit {@link
 * U8Image} with 1 (grey) or 3 (RGB) channels as the file holds them: grey (8 or 16 bit, with or
 * without alpha) stays grey, everything else (palette, RGB, RGBA, 16-bit RGB) becomes RGB; alpha is
 * dropped. The size is read from the header and checked before a pixel is decoded, so a small file
 * cannot expand into a huge image. The job's decoder, the servable and {@code predict} all read
 * images here.
 */
public final class EncodedImages {

  /** The most pixels an image may have unless the caller says otherwise (4096 x 4096). */
  public static final int DEFAULT_MAX_PIXELS = 4096 * 4096;

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private EncodedImages() {}

  /** An image's header said it has more pixels than allowed; nothing was decoded. */
  public static final class TooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  /** True when {@code bytes} start with PNG's 8-byte signature. */
  public static boolean isPng(byte[] bytes) {
    if (bytes.length < PNG_SIGNATURE.length) {
      return false;
    }
    for (int i = 0; i < PNG_SIGNATURE.length; i++) {
      if (bytes[i] != PNG_SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /** True when {@code bytes} start with JPEG's start-of-image marker and a segment marker. */
  public static boolean isJpeg(byte[] bytes) {
    return bytes.length >= 3
        && (bytes[0] & 0xff) == 0xff
        && (bytes[1] & 0xff) == 0xd8
        && (bytes[2] & 0xff) == 0xff;
  }

  /**
   * Decodes {@code bytes} after checking the header's size against {@code maxPixels}.
   *
   * @throws TooLargeException when the header claims more than {@code maxPixels} pixels
   * @throws IOException when no reader knows the bytes or decoding fails, saying why
   */
  public static U8Image decode(byte[] bytes, long maxPixels) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new IOException("not an image format this system reads (PNG, JPEG, BMP, GIF)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long w = reader.getWidth(0);
        long h = reader.getHeight(0);
        if (w * h > maxPixels) {
          throw new TooLargeException(
              ImageHeader.oversizedMessage(
                  reader.getFormatName().toUpperCase(java.util.Locale.ROOT), h, w, maxPixels));
        }
        return toU8(reader.read(0));
      } finally {
        reader.dispose();
      }
    } catch (RuntimeException e) {
      throw new IOException("cannot decode the image: " + e.getMessage(), e);
    }
  }

  /** Grey images keep one channel (the raw sample, so no colour-space gamma); the rest go RGB. */
  public static U8Image toU8(BufferedImage image) {
    int h = image.getHeight();
    int w = image.getWidth();
    ColorModel cm = image.getColorModel();
    Raster raster = image.getRaster();
    if (ImageHeader.isGrey(cm)) {
      int bits = cm.getComponentSize(0);
      long max = (1L << bits) - 1;
      byte[] out = new byte[h * w];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          long s = raster.getSample(x, y, 0);
          out[y * w + x] = (byte) (bits == 8 ? s : (s * 255 + max / 2) / max);
        }
      }
      return new U8Image(h, w, 1, out);
    }
    byte[] out = new byte[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        int i = (y * w + x) * 3;
        out[i] = (byte) (rgb >> 16);
        out[i + 1] = (byte) (rgb >> 8);
        out[i + 2] = (byte) rgb;
      }
    }
    return new U8Image(h, w, 3, out);
  }
}
