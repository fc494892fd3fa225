package io.tlalign.job.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.SyncPhase;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tests' own reading of scattered rounds: each replica's contribution joined from its scatter
 * messages (chunks in index order, shards in shard order), and a round's mean summed in replica
 * order in float and divided by P, as {@link ReplicaAverage} documents; and flat vectors of
 * tensors.
 */
final class ScatteredRounds {

  private ScatteredRounds() {}

  /** The mean of round {@code round}'s scattered contributions among {@code messages}. */
  static float[] mean(List<byte[]> messages, long round, int replicas) throws Exception {
    Map<Integer, TreeMap<Integer, TreeMap<Integer, byte[]>>> byReplica = new TreeMap<>();
    for (byte[] m : messages) {
      SyncChunk c = SyncChunk.decode(m);
      if (c.round() != round || c.phase() != SyncPhase.SCATTER) {
        continue;
      }
      byReplica
          .computeIfAbsent(c.replica(), k -> new TreeMap<>())
          .computeIfAbsent(c.shard(), k -> new TreeMap<>())
          .put(c.index(), c.data());
    }
    assertThat(byReplica).as("contributions to round %d", round).hasSize(replicas);
    float[] sum = null;
    for (var shards : byReplica.values()) {
      assertThat(shards).as("shards of a contribution").hasSize(replicas);
      List<Float> values = new ArrayList<>();
      for (var chunks : shards.values()) {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        for (byte[] data : chunks.values()) {
          payload.write(data);
        }
        for (float f : TrainingState.fromBytes(payload.toByteArray()).parameters().get(0).data()) {
          values.add(f);
        }
      }
      if (sum == null) {
        sum = new float[values.size()];
        for (int i = 0; i < sum.length; i++) {
          sum[i] = values.get(i);
        }
      } else {
        for (int i = 0; i < sum.length; i++) {
          sum[i] += values.get(i);
        }
      }
    }
    for (int i = 0; i < sum.length; i++) {
      sum[i] /= replicas;
    }
    return sum;
  }

  /** The tensors' elements one after the other. */
  static float[] flat(List<NamedTensor> tensors) {
    int n = 0;
    for (NamedTensor t : tensors) {
      n += t.data().length;
    }
    float[] out = new float[n];
    int at = 0;
    for (NamedTensor t : tensors) {
      System.arraycopy(t.data(), 0, out, at, t.data().length);
      at += t.data().length;
    }
    return out;
  }
}
