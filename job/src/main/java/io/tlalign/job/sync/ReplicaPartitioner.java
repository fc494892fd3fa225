package io.tlalign.job.sync;

import org.apache.flink.api.common.functions.Partitioner;

/** Batch b goes to replica b mod P: a fixed, ordered share of the one input order per replica. */
public final class ReplicaPartitioner implements Partitioner<Long> {

  private static final long serialVersionUID = 1L;

  @Override
  public int partition(Long batchIndex, int replicas) {
    return (int) Math.floorMod(batchIndex, (long) replicas);
  }
}
