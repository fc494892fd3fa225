package io.tlalign.job.sync;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;

/**
 * How a contribution is cut into shards: its tensors in order (parameters, then the first and
 * second moments when present) are read as one flat vector of {@code elements} floats, and shard s
 * is the contiguous range [s n / P, (s + 1) n / P). Ranges ignore tensor boundaries, so shards are
 * equal within one element, whatever the model's layout.
 *
 * @param elements n, the flat vector's length
 * @param shards P
 */
public record ShardLayout(long elements, int shards) {

  /** The name of the one tensor a shard's payload holds. */
  static final String SHARD_TENSOR = "tlalign.sync.shard";

  public ShardLayout {
    if (shards < 1 || elements < 0) {
      throw new IllegalArgumentException(
          "a layout of " + elements + " elements in " + shards + " shards");
    }
  }

  /** The layout of {@code contribution}'s tensors in {@code shards} shards. */
  public static ShardLayout of(TrainingState contribution, int shards) {
    long n = 0;
    for (NamedTensor t : tensors(contribution)) {
      n += t.data().length;
    }
    return new ShardLayout(n, shards);
  }

  /** The first element of {@code shard}. */
  public long start(int shard) {
    return shard * elements / shards;
  }

  /** How many elements {@code shard} holds. */
  public int count(int shard) {
    return Math.toIntExact(start(shard + 1) - start(shard));
  }

  /**
   * Shard {@code shard} of {@code contribution} as a payload of its own: one tensor of the shard's
   * elements, with the contribution's step, kind and metadata. A contribution without tensors (a
   * step whose loss was not finite) gives shards without tensors.
   */
  public TrainingState shard(TrainingState contribution, int shard) {
    List<NamedTensor> tensors = tensors(contribution);
    List<NamedTensor> out = new ArrayList<>(1);
    if (!tensors.isEmpty()) {
      float[] data = new float[count(shard)];
      long from = start(shard);
      long to = from + data.length;
      long at = 0;
      for (NamedTensor t : tensors) {
        float[] d = t.data();
        long tEnd = at + d.length;
        if (tEnd > from && at < to) {
          long lo = Math.max(from, at);
          long hi = Math.min(to, tEnd);
          System.arraycopy(d, (int) (lo - at), data, (int) (lo - from), (int) (hi - lo));
        }
        at = tEnd;
      }
      out.add(new NamedTensor(SHARD_TENSOR, new long[] {data.length}, data));
    }
    return TrainingState.builder()
        .setPreset(contribution.preset())
        .setStep(contribution.step())
        .setParameters(out)
        .optOptimizer(new OptimizerState(contribution.optimizerStepCount(), List.of(), List.of()))
        .optMetadata(contribution.metadata())
        .build();
  }

  /**
   * The flat vector whose shards are {@code shards} (in shard order), cut back into tensors of
   * {@code layout}'s shapes and names: its parameters, or its parameters and both moments when the
   * vector is three times as long.
   *
   * @return parameters, then first and second moments when present
   * @throws IllegalArgumentException when the shards do not add up to such a vector
   */
  public static List<List<NamedTensor>> join(List<float[]> shards, List<NamedTensor> layout) {
    long n = 0;
    for (float[] s : shards) {
      n += s.length;
    }
    long perPart = 0;
    for (NamedTensor t : layout) {
      perPart += t.data().length;
    }
    int parts = perPart == 0 ? 0 : (int) (n / perPart);
    if (perPart == 0 || n % perPart != 0 || (parts != 1 && parts != 3)) {
      throw new IllegalArgumentException(
          "the reduced shards hold "
              + n
              + " elements, not the model's "
              + perPart
              + " (or 3 x that with moments); all replicas must train the same model");
    }
    List<List<NamedTensor>> out = new ArrayList<>(parts);
    int shard = 0;
    int at = 0;
    for (int p = 0; p < parts; p++) {
      List<NamedTensor> part = new ArrayList<>(layout.size());
      for (NamedTensor t : layout) {
        float[] data = new float[t.data().length];
        int filled = 0;
        while (filled < data.length) {
          float[] s = shards.get(shard);
          int take = Math.min(data.length - filled, s.length - at);
          System.arraycopy(s, at, data, filled, take);
          filled += take;
          at += take;
          if (at == s.length) {
            shard++;
            at = 0;
          }
        }
        part.add(new NamedTensor(t.name(), t.shape(), data));
      }
      out.add(part);
    }
    return out;
  }

  /** The one tensor of a shard payload, or null when it holds none. */
  static float[] data(TrainingState shardPayload) {
    List<NamedTensor> p = shardPayload.parameters();
    return p.isEmpty() ? null : p.get(0).data();
  }

  private static List<NamedTensor> tensors(TrainingState contribution) {
    List<NamedTensor> out = new ArrayList<>(contribution.parameters());
    out.addAll(contribution.firstMoments());
    out.addAll(contribution.secondMoments());
    return out;
  }
}
