package io.tlalign.job.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

/**
 * Writes a checkpoint with exactly the operator list states a test names, through Flink's own state
 * backend and snapshot: for checkpoints this build's operators no longer write (an earlier
 * version's layout, altered chunks, another operator's state).
 */
public final class CheckpointWriter {

  private final List<Entry<?>> entries = new ArrayList<>();

  private record Entry<T>(ListStateDescriptor<T> descriptor, List<T> values) {}

  /** The list state {@code descriptor} holds {@code values}. */
  public <T> CheckpointWriter with(ListStateDescriptor<T> descriptor, List<T> values) {
    entries.add(new Entry<>(descriptor, List.copyOf(values)));
    return this;
  }

  /** The snapshot of a subtask that holds these states and nothing else. */
  public OperatorSubtaskState snapshot() throws Exception {
    try (var h = new OneInputStreamOperatorTestHarness<>(new Writer(entries))) {
      h.setup();
      h.open();
      return h.snapshot(1L, 1L);
    }
  }

  private static final class Writer extends AbstractStreamOperator<Object>
      implements OneInputStreamOperator<Object, Object> {

    private final transient List<Entry<?>> entries;

    Writer(List<Entry<?>> entries) {
      this.entries = entries;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      for (Entry<?> e : entries) {
        write(context, e);
      }
    }

    private static <T> void write(StateInitializationContext context, Entry<T> e) throws Exception {
      context.getOperatorStateStore().getListState(e.descriptor()).update(e.values());
    }

    @Override
    public void processElement(StreamRecord<Object> element) {}
  }
}
