package io.tlalign.it;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Writes a small image folder of mixed formats, the demo's end-to-end input: 3 class folders of 7,
 * 7 and 6 images (20 in all) in every form a user's folder holds (PNG RGB, RGBA, palette, 8-bit and
 * 16-bit grey; JPEG colour and grey; from 17x23 to 500x375), plus one file named .png that is not
 * an image. Each class has its own pattern (rings, stripes, checks) under seeded noise, so the
 * classes can be told apart. JDK only, so that it runs on its own:
 *
 * <pre>
 * java it-tests/src/test/java/io/tlalign/it/MixedImageFolder.java /tmp/mixed-folder
 * ./tlalign demo --data /tmp/mixed-folder --steps 20 --batch-size 16
 * </pre>
 */
public final class MixedImageFolder {

  /** Class names, sorted: their labels are 0, 1, 2. */
  public static final List<String> CLASSES = List.of("checks", "rings", "stripes");

  /** Images that decode. */
  public static final int IMAGES = 20;

  /** The one file that is not an image. */
  public static final String UNREADABLE = "stripes/notes.png";

  private enum Form {
    PNG_RGB,
    PNG_RGBA,
    PNG_PALETTE,
    PNG_GREY,
    PNG_GREY16,
    JPEG_RGB,
    JPEG_GREY
  }

  /** Width x height of each image, and its form, per class (7, 7, 6). */
  private static final int[][] SIZES = {
    {17, 23}, {500, 375}, {64, 48}, {120, 160}, {33, 33}, {250, 200}, {48, 96}
  };

  private MixedImageFolder() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: java MixedImageFolder.java DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    write(dir);
    System.out.println(
        "wrote "
            + IMAGES
            + " images in "
            + CLASSES.size()
            + " classes and one unreadable file ("
            + UNREADABLE
            + ") to "
            + dir);
  }

  /** Writes the folder under {@code root} (created if needed). */
  public static void write(Path root) throws IOException {
    Random random = new Random(20);
    Form[] forms = Form.values();
    int n = 0;
    for (int c = 0; c < CLASSES.size(); c++) {
      Path dir = Files.createDirectories(root.resolve(CLASSES.get(c)));
      int count = c < 2 ? 7 : 6;
      for (int i = 0; i < count; i++, n++) {
        int[] size = SIZES[(i + c) % SIZES.length];
        Form form = forms[(i + 2 * c) % forms.length];
        BufferedImage rgb = pattern(c, size[0], size[1], random);
        String name = String.format("%02d-%dx%d-%s", i, size[0], size[1], form);
        String lower = name.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        switch (form) {
          case PNG_RGB -> png(rgb, BufferedImage.TYPE_INT_RGB, dir.resolve(lower + ".png"));
          case PNG_RGBA -> png(rgb, BufferedImage.TYPE_INT_ARGB, dir.resolve(lower + ".png"));
          case PNG_PALETTE -> palette(rgb, dir.resolve(lower + ".png"));
          case PNG_GREY -> png(rgb, BufferedImage.TYPE_BYTE_GRAY, dir.resolve(lower + ".png"));
          case PNG_GREY16 -> png(rgb, BufferedImage.TYPE_USHORT_GRAY, dir.resolve(lower + ".png"));
          case JPEG_RGB -> jpeg(rgb, BufferedImage.TYPE_INT_RGB, dir.resolve(lower + ".jpg"));
          case JPEG_GREY -> jpeg(rgb, BufferedImage.TYPE_BYTE_GRAY, dir.resolve(lower + ".jpeg"));
        }
      }
    }
    if (n != IMAGES) {
      throw new IllegalStateException(n + " images written, " + IMAGES + " meant");
    }
    Files.writeString(
        root.resolve(UNREADABLE), "a text file named .png, not an image", StandardCharsets.UTF_8);
  }

  /** Class 0: checks, 1: rings, 2: stripes; colours and phase vary, with noise. */
  private static BufferedImage pattern(int c, int w, int h, Random random) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int cell = 4 + random.nextInt(Math.max(1, Math.min(w, h) / 4));
    int phase = random.nextInt(cell);
    int hue = random.nextInt(256);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean on =
            switch (c) {
              case 0 -> (((x + phase) / cell) + ((y + phase) / cell)) % 2 == 0;
              case 1 -> {
                double dx = x - w / 2.0;
                double dy = y - h / 2.0;
                yield ((int) (Math.sqrt(dx * dx + dy * dy) + phase) / cell) % 2 == 0;
              }
              default -> ((x + phase) / cell) % 2 == 0;
            };
        int v = (on ? 200 : 50) + random.nextInt(31) - 15;
        int r = clamp(v + (hue - 128) / 4);
        int g = clamp(v);
        int b = clamp(v - (hue - 128) / 4);
        img.setRGB(x, y, r << 16 | g << 8 | b);
      }
    }
    return img;
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }

  private static BufferedImage convert(BufferedImage rgb, BufferedImage out) {
    var g = out.createGraphics();
    g.drawImage(rgb, 0, 0, null);
    g.dispose();
    return out;
  }

  private static void png(BufferedImage rgb, int type, Path file) throws IOException {
    BufferedImage out = convert(rgb, new BufferedImage(rgb.getWidth(), rgb.getHeight(), type));
    if (type == BufferedImage.TYPE_INT_ARGB) {
      for (int x = 0; x < out.getWidth(); x++) { // a half-transparent top row: alpha is dropped
        out.setRGB(x, 0, (out.getRGB(x, 0) & 0xFFFFFF) | 0x80000000);
      }
    }
    write(out, "png", file);
  }

  /** An 8-bit palette PNG (PLTE chunk) of 64 grey-green levels. */
  private static void palette(BufferedImage rgb, Path file) throws IOException {
    byte[] r = new byte[64];
    byte[] g = new byte[64];
    byte[] b = new byte[64];
    for (int i = 0; i < 64; i++) {
      r[i] = (byte) (i * 4);
      g[i] = (byte) Math.min(255, i * 4 + 20);
      b[i] = (byte) (i * 2);
    }
    IndexColorModel cm = new IndexColorModel(8, 64, r, g, b);
    BufferedImage out =
        new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_BYTE_INDEXED, cm);
    write(convert(rgb, out), "png", file);
  }

  private static void jpeg(BufferedImage rgb, int type, Path file) throws IOException {
    write(convert(rgb, new BufferedImage(rgb.getWidth(), rgb.getHeight(), type)), "jpeg", file);
  }

  private static void write(BufferedImage img, String format, Path file) throws IOException {
    if (!ImageIO.write(img, format, file.toFile())) {
      throw new IOException("no " + format + " writer for " + file);
    }
  }
}
