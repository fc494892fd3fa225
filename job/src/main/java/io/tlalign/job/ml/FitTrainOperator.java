package io.tlalign.job.ml;

import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.job.train.StepOutcome;
import io.tlalign.job.train.TrainingCore;
import io.tlalign.model.state.TrainingStateFormat;
import io.tlalign.model.train.StepResult;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fit's training operator: the streaming job's {@link TrainingCore}, opened from the same
 * {@link TrainerSettings}, steps on each batch; at the end of the bounded input it emits the
 * session's whole state in {@link TrainingStateFormat}. Unlike the streaming job's operator it
 * keeps no Flink state (a fit that fails is run again from the start), no ledger and publishes
 * nothing. Parallelism 1.
 */
final class FitTrainOperator extends AbstractStreamOperator<byte[]>
    implements OneInputStreamOperator<TrainingBatch, byte[]>, BoundedOneInput {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(FitTrainOperator.class);

  private final TrainerSettings settings;
  private transient TrainingCore core;

  FitTrainOperator(TrainerSettings settings) {
    this.settings = settings;
  }

  @Override
  public void open() throws Exception {
    super.open();
    core = TrainingCore.builder().setSettings(settings).optName("fit").optLedger(false).build();
  }

  @Override
  public void processElement(StreamRecord<TrainingBatch> element) {
    StepOutcome outcome = core.step(element.getValue());
    StepResult r = outcome.result();
    if (!r.refused() && outcome.metric() != null) {
      LOG.info("fit: step {} loss {} lr {}", r.step(), r.loss(), r.learningRate());
    }
  }

  @Override
  public void endInput() {
    output.collect(new StreamRecord<>(TrainingStateFormat.toBytes(core.captureState())));
  }

  @Override
  public void close() throws Exception {
    try {
      if (core != null) {
        core.close();
        core = null;
      }
    } finally {
      super.close();
    }
  }
}
