package io.tlalign.job.sync;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;

/**
 * What a complete round gives a replica to apply: the mean of its contributions (parameters,
 * updates or the batch-weighted gradients), computed by the replica itself (broadcast) or joined
 * from the reducers' shards (sharded), or the reason every replica skips it.
 *
 * @param kind what the contributions were
 * @param step the largest step a contribution was taken at
 * @param values the mean tensors, in the model's layout; null when refused
 * @param moments the mean AdamW moments when the contributions carried them, else null
 * @param batchSize under gradients, the batches of the round together; else 0
 * @param refusal why the round is skipped, or null
 */
public record RoundAverage(
    PayloadKind kind,
    long step,
    List<NamedTensor> values,
    OptimizerState moments,
    int batchSize,
    String refusal) {

  /**
   * The round whose reduced shards are {@code shards} (in shard order, each decoded from a
   * reducer's message), joined into tensors of {@code layout}'s names and shapes; refused with the
   * first reducer's refusal, or when the shards disagree on their kind or do not join into the
   * model.
   */
  static RoundAverage ofShards(List<TrainingState> shards, List<NamedTensor> layout) {
    PayloadKind kind = null;
    long step = 0;
    List<float[]> data = new ArrayList<>(shards.size());
    for (int s = 0; s < shards.size(); s++) {
      TrainingState shard = shards.get(s);
      String refusal = shard.metadata().get(ShardReducer.META_REFUSAL);
      if (refusal != null) {
        return refused(refusal);
      }
      PayloadKind k;
      try {
        k = PayloadKind.of(shard);
      } catch (IllegalArgumentException e) {
        return refused("reducer " + s + ": " + e.getMessage());
      }
      if (kind != null && k != kind) {
        return refused(
            "reducer " + s + " reduced " + k.label() + " where reducer 0 reduced " + kind.label());
      }
      kind = k;
      step = Math.max(step, shard.step());
      float[] d = ShardLayout.data(shard);
      data.add(d == null ? new float[0] : d);
    }
    List<List<NamedTensor>> parts;
    try {
      parts = ShardLayout.join(data, layout);
    } catch (IllegalArgumentException e) {
      return refused(e.getMessage());
    }
    OptimizerState moments =
        parts.size() == 3 ? new OptimizerState(step, parts.get(1), parts.get(2)) : null;
    String batch = shards.get(0).metadata().get(Contribution.META_BATCH_SIZE);
    return new RoundAverage(
        kind, step, parts.get(0), moments, batch == null ? 0 : Integer.parseInt(batch), null);
  }

  static RoundAverage refused(String reason) {
    return new RoundAverage(null, 0, null, null, 0, reason);
  }

  boolean applies() {
    return refusal == null;
  }
}
