package io.tlalign.model.state;

import java.util.BitSet;
import java.util.List;

/**
 * The checks every chunked training state passes, whatever its framing: all chunks belong to one
 * state, none is missing, they come in order, and their data add up to the declared length. Each
 * framing reads its chunks' places and checks their bytes itself.
 */
final class ChunkOrder {

  /** What a chunk says of its place: its index, the chunk count, the state's length, its data. */
  record Place(int index, int count, long total, int dataLength) {}

  private ChunkOrder() {}

  /**
   * @throws CorruptTrainingStateException naming the foreign, missing or misplaced chunk
   */
  static void check(List<Place> places) throws CorruptTrainingStateException {
    Place first = places.get(0);
    int declaredCount = first.count();
    long declaredTotal = first.total();
    if (declaredCount < 1 || declaredTotal < 0) {
      throw new CorruptTrainingStateException(
          "training state chunk 0 declares "
              + declaredCount
              + " chunks of "
              + declaredTotal
              + " bytes");
    }
    BitSet seen = new BitSet();
    for (int pos = 0; pos < places.size(); pos++) {
      Place p = places.get(pos);
      if (p.count() != declaredCount || p.total() != declaredTotal) {
        throw new CorruptTrainingStateException(
            "training state chunk at position "
                + pos
                + " belongs to another state: it declares "
                + p.count()
                + " chunks and "
                + p.total()
                + " bytes, the first chunk "
                + declaredCount
                + " and "
                + declaredTotal);
      }
      if (p.index() >= 0 && p.index() < declaredCount) {
        seen.set(p.index());
      }
    }
    if (places.size() != declaredCount) {
      BitSet missing = new BitSet();
      missing.set(0, Math.min(declaredCount, places.size() + 64));
      missing.andNot(seen);
      throw new CorruptTrainingStateException(
          "training state chunks are incomplete: the chunks declare "
              + declaredCount
              + ", got "
              + places.size()
              + (missing.isEmpty() ? "" : "; missing chunk(s) " + missing));
    }
    long sum = 0;
    for (int pos = 0; pos < places.size(); pos++) {
      int index = places.get(pos).index();
      if (index != pos) {
        BitSet missing = new BitSet();
        missing.set(0, declaredCount);
        missing.andNot(seen);
        throw new CorruptTrainingStateException(
            "training state chunk at position "
                + pos
                + " has index "
                + index
                + "; chunks must be given in order 0.."
                + (declaredCount - 1)
                + (missing.isEmpty() ? "" : " and chunk(s) " + missing + " are missing"));
      }
      sum += places.get(pos).dataLength();
    }
    if (sum != declaredTotal) {
      throw new CorruptTrainingStateException(
          "training state chunk payloads add up to "
              + sum
              + " bytes but the chunks declare "
              + declaredTotal
              + "; a chunk was truncated or padded");
    }
  }
}
