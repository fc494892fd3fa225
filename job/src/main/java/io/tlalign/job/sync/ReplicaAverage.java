package io.tlalign.job.sync;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;

/**
 * The element-wise mean of the replicas' contributions to one round, in float arithmetic, summed in
 * replica order (0, 1, ..., P-1) and then divided by P: the same bits on every replica and in every
 * run, whatever order the messages arrived in.
 */
public final class ReplicaAverage {

  private ReplicaAverage() {}

  /** The mean parameters of {@code contributions} (in replica order). */
  public static List<NamedTensor> parameters(List<TrainingState> contributions) {
    return mean(contributions.stream().map(TrainingState::parameters).toList());
  }

  /**
   * The mean moments, or null when any contribution carries none (moments are averaged only when
   * every replica sent them).
   */
  public static OptimizerState moments(List<TrainingState> contributions, long stepCount) {
    for (TrainingState c : contributions) {
      if (c.firstMoments().isEmpty()) {
        return null;
      }
    }
    return new OptimizerState(
        stepCount,
        mean(contributions.stream().map(TrainingState::firstMoments).toList()),
        mean(contributions.stream().map(TrainingState::secondMoments).toList()));
  }

  /**
   * The gradients of one step over all replicas' batches: each replica's gradients weighted by its
   * batch size over the round's total, summed in replica order. Equal batches give weights of 1/P;
   * for P = 2 that is exactly (g_0 + g_1) / 2. Null when a replica sent none (its loss was not
   * finite), so that every replica refuses the step, as one trainer of the whole batch would.
   */
  public static List<NamedTensor> gradients(List<TrainingState> contributions) {
    long total = 0;
    for (TrainingState c : contributions) {
      if (c.parameters().isEmpty()) {
        return null;
      }
      total += batchSize(c);
    }
    List<NamedTensor> first = contributions.get(0).parameters();
    List<NamedTensor> out = new ArrayList<>(first.size());
    for (int t = 0; t < first.size(); t++) {
      NamedTensor layout = first.get(t);
      float[] sum = new float[layout.data().length];
      for (int r = 0; r < contributions.size(); r++) {
        List<NamedTensor> other = contributions.get(r).parameters();
        if (other.size() != first.size() || !other.get(t).sameLayout(layout)) {
          throw new IllegalArgumentException(
              "replica "
                  + r
                  + " sent gradient "
                  + (t < other.size() ? other.get(t) : "no tensor " + t)
                  + " where replica 0 sent "
                  + layout
                  + "; all replicas must train the same model");
        }
        float w = (float) ((double) batchSize(contributions.get(r)) / total);
        float[] d = other.get(t).data();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += w * d[i];
        }
      }
      out.add(new NamedTensor(layout.name(), layout.shape(), sum));
    }
    return out;
  }

  /** The batches of gradient contributions together: the round's weight. */
  static int totalBatch(List<TrainingState> contributions) {
    int total = 0;
    for (TrainingState c : contributions) {
      total += batchSize(c);
    }
    return total;
  }

  private static int batchSize(TrainingState gradients) {
    String b = gradients.metadata().get(Contribution.META_BATCH_SIZE);
    if (b == null) {
      throw new IllegalArgumentException(
          "a gradients contribution without " + Contribution.META_BATCH_SIZE);
    }
    return Integer.parseInt(b);
  }

  /** {@code (current - own) + average} per element: the average plus the steps since the round. */
  public static List<NamedTensor> shift(
      List<NamedTensor> current, List<NamedTensor> own, List<NamedTensor> average) {
    List<NamedTensor> out = new ArrayList<>(current.size());
    for (int t = 0; t < current.size(); t++) {
      float[] c = current.get(t).data();
      float[] o = own.get(t).data();
      float[] a = average.get(t).data();
      float[] r = new float[c.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = (c[i] - o[i]) + a[i];
      }
      out.add(new NamedTensor(current.get(t).name(), current.get(t).shape(), r));
    }
    return out;
  }

  static List<NamedTensor> mean(List<List<NamedTensor>> replicas) {
    List<NamedTensor> first = replicas.get(0);
    int p = replicas.size();
    List<NamedTensor> out = new ArrayList<>(first.size());
    for (int t = 0; t < first.size(); t++) {
      NamedTensor layout = first.get(t);
      float[] sum = layout.data().clone();
      for (int r = 1; r < p; r++) {
        List<NamedTensor> other = replicas.get(r);
        if (other.size() != first.size() || !other.get(t).sameLayout(layout)) {
          throw new IllegalArgumentException(
              "replica "
                  + r
                  + " sent "
                  + (t < other.size() ? other.get(t) : "no tensor " + t)
                  + " where replica 0 sent "
                  + layout
                  + "; all replicas must train the same model");
        }
        float[] d = other.get(t).data();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += d[i];
        }
      }
      for (int i = 0; i < sum.length; i++) {
        sum[i] /= p;
      }
      out.add(new NamedTensor(layout.name(), layout.shape(), sum));
    }
    return out;
  }
}
