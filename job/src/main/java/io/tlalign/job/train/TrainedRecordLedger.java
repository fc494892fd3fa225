package io.tlalign.job.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * The ids of every record trained, in training order, kept in state so that a run can prove each
 * record was trained exactly once across failures (off by default: it grows with the stream).
 * Records of refused steps are not trained and not listed.
 */
public final class TrainedRecordLedger {

  private final boolean enabled;
  private final List<String> ids = new ArrayList<>();
  private Consumer<String> mirror = id -> {};

  /** A ledger that lists ids only when {@code enabled}. */
  public TrainedRecordLedger(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean enabled() {
    return enabled;
  }

  /** Continues the ledger restored from a checkpoint. */
  public void restore(Iterable<String> restored) {
    restored.forEach(ids::add);
  }

  /**
   * Hands every id listed so far to {@code sink}, and every id listed later as it comes: the job
   * result then shows the ledger of the attempt that finished, restored part included.
   */
  public void mirrorTo(Consumer<String> sink) {
    ids.forEach(sink);
    mirror = sink;
  }

  /** Lists the ids of a trained batch. */
  public void trained(String[] batchIds) {
    if (!enabled) {
      return;
    }
    for (String id : batchIds) {
      ids.add(id);
      mirror.accept(id);
    }
  }

  /** The ids listed, for the operator's snapshot. */
  public List<String> ids() {
    return Collections.unmodifiableList(ids);
  }
}
