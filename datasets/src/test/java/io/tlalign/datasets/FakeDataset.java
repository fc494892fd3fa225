package io.tlalign.datasets;

import java.util.Map;
import java.util.Set;

/** n images of h x w grey pixels, all equal to the index; the listed indices cannot be read. */
final class FakeDataset implements ImageDataset {

  private final int n;
  private final int side;
  private final Set<Integer> unreadable;

  FakeDataset(int n, int side, Set<Integer> unreadable) {
    this.n = n;
    this.side = side;
    this.unreadable = unreadable;
  }

  @Override
  public String source() {
    return "fake/train";
  }

  @Override
  public int size() {
    return n;
  }

  static String id(int index) {
    return "fake/train/" + ImageDataset.paddedIndex(index, 10);
  }

  @Override
  public DatasetImage image(int index) throws UnreadableImageException {
    if (unreadable.contains(index)) {
      throw new UnreadableImageException(id(index), "cannot decode image " + index, null);
    }
    byte[] px = new byte[side * side];
    java.util.Arrays.fill(px, (byte) index);
    return new DatasetImage(id(index), index % 10, side, side, 1, px, Map.of("index", "" + index));
  }
}
