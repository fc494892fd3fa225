package io.tlalign.model.data;

/**
 * An 8-bit image, row-major and channel-last (the {@code RAW_U8} layout of {@code LabeledImage}):
 * the value of channel {@code ch} at row {@code y}, column {@code x} is {@code data[(y * width + x)
 * * channels + ch] & 0xff}.
 */
public record U8Image(int height, int width, int channels, byte[] data) {

  public U8Image {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException(
          "image " + height + "x" + width + "x" + channels + ": sizes must be positive");
    }
    if (data.length != (long) height * width * channels) {
      throw new IllegalArgumentException(
          data.length
              + " bytes for a "
              + height
              + "x"
              + width
              + "x"
              + channels
              + " image (need "
              + (long) height * width * channels
              + ")");
    }
  }

  public int get(int y, int x, int ch) {
    return data[(y * width + x) * channels + ch] & 0xff;
  }
}
