package io.tlalign.model.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tlalign.schemas.ImageEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The header of real PNG and JPEG bytes, as javax.imageio writes them: size and channels. */
class ImageHeaderTest {

  private static byte[] write(BufferedImage img, String format) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).as("a %s writer", format).isTrue();
    return out.toByteArray();
  }

  @Test
  void pngsGiveTheirSizeAndOneChannelForGreyThreeForTheRest() throws Exception {
    assertThat(
            ImageHeader.read(write(new BufferedImage(17, 23, BufferedImage.TYPE_BYTE_GRAY), "png")))
        .isEqualTo(new ImageHeader(ImageEncoding.PNG, 23, 17, 1));
    assertThat(
            ImageHeader.read(write(new BufferedImage(5, 3, BufferedImage.TYPE_USHORT_GRAY), "png")))
        .isEqualTo(new ImageHeader(ImageEncoding.PNG, 3, 5, 1));
    assertThat(
            ImageHeader.read(
                write(new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_INDEXED), "png")))
        .isEqualTo(new ImageHeader(ImageEncoding.PNG, 3, 5, 3));
    assertThat(ImageHeader.read(write(new BufferedImage(5, 3, BufferedImage.TYPE_INT_ARGB), "png")))
        .isEqualTo(new ImageHeader(ImageEncoding.PNG, 3, 5, 3));
  }

  @Test
  void jpegsGiveTheirSizeAndChannels() throws Exception {
    assertThat(
            ImageHeader.read(
                write(new BufferedImage(500, 375, BufferedImage.TYPE_INT_RGB), "jpeg")))
        .isEqualTo(new ImageHeader(ImageEncoding.JPEG, 375, 500, 3));
    assertThat(
            ImageHeader.read(
                write(new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY), "jpeg")))
        .isEqualTo(new ImageHeader(ImageEncoding.JPEG, 30, 40, 1));
  }

  @Test
  void otherFormatsAndNonImagesAreToldApart() throws Exception {
    byte[] gif = write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "gif");
    assertThatThrownBy(() -> ImageHeader.read(gif))
        .isInstanceOf(ImageHeader.NotPngOrJpegException.class)
        .hasMessage("a GIF image, not PNG or JPEG")
        .matches(e -> ((ImageHeader.NotPngOrJpegException) e).otherFormat());
    byte[] text = "not an image".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> ImageHeader.read(text))
        .isInstanceOf(ImageHeader.NotPngOrJpegException.class)
        .hasMessageContaining("not an image")
        .matches(e -> !((ImageHeader.NotPngOrJpegException) e).otherFormat());
    byte[] cut = {(byte) 0xFF, (byte) 0xD8, 1, 2, 3};
    assertThatThrownBy(() -> ImageHeader.read(cut))
        .isInstanceOf(ImageHeader.NotPngOrJpegException.class)
        .hasMessageContaining("not readable as PNG or JPEG");
  }

  @Test
  void theLimitIsOnPixelsInAll() {
    ImageHeader h = new ImageHeader(ImageEncoding.PNG, 30000, 30000, 1);
    assertThat(h.exceeds(4096L * 4096)).isTrue();
    assertThat(h.exceeds(900_000_000L)).isFalse();
    assertThat(h.oversizedMessage(16))
        .isEqualTo("PNG header says 30000x30000, more than the 16 pixels allowed");
  }
}
