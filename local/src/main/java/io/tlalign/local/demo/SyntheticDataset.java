package io.tlalign.local.demo;

import io.tlalign.datasets.DatasetImage;
import io.tlalign.datasets.ImageDataset;
import io.tlalign.datasets.Split;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A GENERATED stand-in for Fashion-MNIST when the real files cannot be had offline: 10 classes of
 * 28x28 grey patterns (stripes at several angles, a ring, a disc, a cross, a checkerboard, a frame,
 * a diagonal), each image shifted, scaled in contrast and noised by a seed per index.
 * Deterministic: the same split and index always give the same image.
 */
public final class SyntheticDataset implements ImageDataset {

  /** Side of the square images. */
  public static final int SIDE = 28;

  /** Number of classes. */
  public static final int CLASSES = 10;

  private final Split split;
  private final int size;

  public SyntheticDataset(Split split, int size) {
    this.split = split;
    this.size = size;
  }

  @Override
  public String source() {
    return "generated/" + split.id();
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public DatasetImage image(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException(index);
    }
    long seed = (split == Split.TRAIN ? 0x5eed_0001L : 0x5eed_0002L) * 1_000_003L + index;
    SplittableRandom rnd = new SplittableRandom(seed);
    int label = index % CLASSES;
    int dx = rnd.nextInt(-3, 4);
    int dy = rnd.nextInt(-3, 4);
    double contrast = 0.6 + 0.4 * rnd.nextDouble();
    byte[] px = new byte[SIDE * SIDE];
    for (int y = 0; y < SIDE; y++) {
      for (int x = 0; x < SIDE; x++) {
        double v = pattern(label, x - dx, y - dy) * contrast + rnd.nextGaussian() * 0.12;
        int b = (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
        px[y * SIDE + x] = (byte) b;
      }
    }
    String id = source() + "/" + ImageDataset.paddedIndex(index, size);
    return new DatasetImage(id, label, SIDE, SIDE, 1, px, Map.of("generated", "true"));
  }

  /** Intensity in [0, 1] of class {@code label}'s pattern at (x, y). */
  static double pattern(int label, int x, int y) {
    double cx = x - 13.5;
    double cy = y - 13.5;
    double r = Math.sqrt(cx * cx + cy * cy);
    return switch (label) {
      case 0 -> (x / 3) % 2 == 0 ? 1 : 0; // vertical stripes
      case 1 -> (y / 3) % 2 == 0 ? 1 : 0; // horizontal stripes
      case 2 -> ((x + y) / 4) % 2 == 0 ? 1 : 0; // diagonal stripes
      case 3 -> (r > 7 && r < 10) ? 1 : 0; // ring
      case 4 -> r < 7 ? 1 : 0; // disc
      case 5 -> (Math.abs(cx) < 2.5 || Math.abs(cy) < 2.5) ? 1 : 0; // cross
      case 6 -> ((x / 7) + (y / 7)) % 2 == 0 ? 1 : 0; // checkerboard
      case 7 -> (x < 4 || x > 23 || y < 4 || y > 23) ? 1 : 0; // frame
      case 8 -> Math.abs(cx - cy) < 3 ? 1 : 0; // diagonal bar
      default -> y > 14 ? (y - 14) / 13.0 : 0; // gradient in the lower half
    };
  }
}
