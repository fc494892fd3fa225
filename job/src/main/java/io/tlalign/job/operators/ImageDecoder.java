package io.tlalign.job.operators;

import io.tlalign.model.data.EncodedImages;
import io.tlalign.model.data.ImageHeader;
import io.tlalign.model.data.U8Image;
import io.tlalign.schemas.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * PNG and JPEG bytes to an 8-bit {@link U8Image} with 1 (grey) or 3 (RGB) channels, as the file
 * holds them: grey (8 or 16 bit, with or without alpha) stays grey, everything else (palette, RGB,
 * RGBA, 16-bit RGB) becomes RGB; alpha is dropped. The size is read from the header and checked
 * before a single pixel is decoded, so a small file cannot expand into a huge image.
 */
public final class ImageDecoder {

  private ImageDecoder() {}

  /**
   * @param h, w the size the record declares; the header must agree
   */
  public static U8Image decode(byte[] bytes, ImageEncoding enc, int h, int w, long maxPixels)
      throws Rejection {
    RejectReason undecodable =
        enc == ImageEncoding.PNG ? RejectReason.UNDECODABLE_PNG : RejectReason.UNDECODABLE_JPEG;
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader;
      try {
        reader = ImageHeader.readerFor(in);
      } catch (ImageHeader.NotPngOrJpegException e) {
        throw new Rejection(
            undecodable, "the record says " + enc + " but the bytes are " + e.getMessage());
      }
      try {
        reader.setInput(in, true, true);
        ImageHeader header = ImageHeader.of(reader);
        if (header.encoding() != enc) {
          throw new Rejection(
              undecodable, "the record says " + enc + " but the bytes are " + header.encoding());
        }
        if (header.exceeds(maxPixels)) {
          throw new Rejection(RejectReason.OVERSIZED_IMAGE, header.oversizedMessage(maxPixels));
        }
        if (header.height() != h || header.width() != w) {
          throw new Rejection(
              RejectReason.PIXEL_SIZE_MISMATCH,
              enc
                  + " holds "
                  + header.height()
                  + "x"
                  + header.width()
                  + " but the record says "
                  + h
                  + "x"
                  + w);
        }
        return toU8(reader.read(0));
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new Rejection(undecodable, "cannot decode " + enc + ": " + e.getMessage());
    }
  }

  /** See {@link EncodedImages#toU8}. */
  static U8Image toU8(BufferedImage image) {
    return EncodedImages.toU8(image);
  }
}
