package io.tlalign.job.operators;

import io.tlalign.job.records.KafkaRecord;
import java.util.List;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;

/**
 * Numbers records in the order the source reads them (chained to the source, parallelism 1), so
 * that the pairing operator can restore exactly that order after decode and augmentation ran in
 * parallel. The counter is checkpointed with the source's offsets, so a restore numbers the
 * replayed records as before.
 */
public final class SequenceAssigner extends RichMapFunction<KafkaRecord, KafkaRecord>
    implements CheckpointedFunction {

  static final ListStateDescriptor<Long> NEXT_SEQ =
      new ListStateDescriptor<>("tlalign-next-seq", Long.class);

  private transient ListState<Long> nextSeqState;
  private long nextSeq;

  @Override
  public KafkaRecord map(KafkaRecord r) {
    r.seq = nextSeq++;
    return r;
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    nextSeqState.update(List.of(nextSeq));
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    nextSeqState = context.getOperatorStateStore().getListState(NEXT_SEQ);
    nextSeq = 0;
    if (context.isRestored()) {
      for (Long s : nextSeqState.get()) {
        nextSeq = Math.max(nextSeq, s);
      }
    }
  }
}
