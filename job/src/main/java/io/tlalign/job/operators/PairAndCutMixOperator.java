package io.tlalign.job.operators;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Restores the input order, fills micro-batches and mixes each full one with {@link BatchMixer}.
 *
 * <p>Images arrive in any order from the parallel decode and augment stages; each carries the
 * sequence number the source side gave it. Out-of-order images wait in a reorder buffer until the
 * next expected number arrives, so batches are always cut from the Kafka order, whatever the
 * parallelism before. The reorder buffer, the open batch, the next expected number and the batch
 * index are operator state: a restore loses no image of an open batch and mixes every batch as
 * before. Runs with parallelism 1 (one ordered path into the model).
 *
 * <p>At the end of a bounded input the last, partial batch is emitted too, so every record is
 * trained.
 */
public final class PairAndCutMixOperator extends AbstractStreamOperator<TrainingBatch>
    implements OneInputStreamOperator<TrainingImage, TrainingBatch>, BoundedOneInput {

  private static final long serialVersionUID = 1L;

  static final ListStateDescriptor<Long> NEXT_SEQ =
      new ListStateDescriptor<>("tlalign-pairing-next-seq", Long.class);
  static final ListStateDescriptor<Long> BATCH_INDEX =
      new ListStateDescriptor<>("tlalign-pairing-batch-index", Long.class);
  static final ListStateDescriptor<TrainingImage> REORDER_BUFFER =
      new ListStateDescriptor<>(
          "tlalign-pairing-reorder-buffer", TypeInformation.of(TrainingImage.class));
  static final ListStateDescriptor<TrainingImage> OPEN_BATCH =
      new ListStateDescriptor<>(
          "tlalign-pairing-open-batch", TypeInformation.of(TrainingImage.class));

  private final int batchSize;
  private final BatchMixer mixer;
  private final FaultInjection fault;

  private transient ListState<Long> nextSeqState;
  private transient ListState<Long> batchIndexState;
  private transient ListState<TrainingImage> reorderState;
  private transient ListState<TrainingImage> openBatchState;

  private transient long nextSeq;
  private transient long batchIndex;
  private transient TreeMap<Long, TrainingImage> reorder;
  private transient List<TrainingImage> openBatch;

  public PairAndCutMixOperator(int batchSize, BatchMixer mixer) {
    this(batchSize, mixer, FaultInjection.NONE);
  }

  public PairAndCutMixOperator(int batchSize, BatchMixer mixer, FaultInjection fault) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be > 0, got " + batchSize);
    }
    this.batchSize = batchSize;
    this.mixer = mixer;
    this.fault = fault;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    var store = context.getOperatorStateStore();
    nextSeqState = store.getListState(NEXT_SEQ);
    batchIndexState = store.getListState(BATCH_INDEX);
    reorderState = store.getListState(REORDER_BUFFER);
    openBatchState = store.getListState(OPEN_BATCH);
    nextSeq = 0;
    batchIndex = 0;
    reorder = new TreeMap<>();
    openBatch = new ArrayList<>();
    if (context.isRestored()) {
      nextSeq = single(nextSeqState, "next sequence number");
      batchIndex = single(batchIndexState, "batch index");
      for (TrainingImage img : reorderState.get()) {
        reorder.put(img.seq, img);
      }
      for (TrainingImage img : openBatchState.get()) {
        openBatch.add(img);
      }
    }
  }

  private static long single(ListState<Long> state, String what) throws Exception {
    List<Long> values = new ArrayList<>();
    state.get().forEach(values::add);
    if (values.size() != 1) {
      throw new IllegalStateException(
          "pairing state holds "
              + values.size()
              + " values for the "
              + what
              + ", expected 1;"
              + " the operator must run with parallelism 1");
    }
    return values.get(0);
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    nextSeqState.update(List.of(nextSeq));
    batchIndexState.update(List.of(batchIndex));
    reorderState.update(new ArrayList<>(reorder.values()));
    openBatchState.update(new ArrayList<>(openBatch));
  }

  @Override
  public void processElement(StreamRecord<TrainingImage> element) {
    TrainingImage img = element.getValue();
    if (img.seq < nextSeq || reorder.containsKey(img.seq)) {
      throw new IllegalStateException(
          "image with sequence number "
              + img.seq
              + " arrived twice (next expected "
              + nextSeq
              + "); the input order is broken");
    }
    reorder.put(img.seq, img);
    TrainingImage next;
    while ((next = reorder.remove(nextSeq)) != null) {
      nextSeq++;
      if (!next.skipped) {
        openBatch.add(next);
        if (openBatch.size() == batchSize) {
          emitOpenBatch();
        }
      }
    }
  }

  @Override
  public void endInput() {
    if (!reorder.isEmpty()) {
      throw new IllegalStateException(
          "input ended while images "
              + reorder.firstKey()
              + ".. waited for sequence number "
              + nextSeq
              + "; a record was lost between the source and the pairing operator");
    }
    if (!openBatch.isEmpty()) {
      emitOpenBatch();
    }
  }

  private void emitOpenBatch() {
    fault.maybeFail(batchIndex);
    TrainingBatch batch = mixer.mix(batchIndex, openBatch);
    batchIndex++;
    openBatch = new ArrayList<>();
    output.collect(new StreamRecord<>(batch));
  }

  /** For tests and metrics: images waiting in the open batch. */
  int openBatchSize() {
    return openBatch.size();
  }
}
