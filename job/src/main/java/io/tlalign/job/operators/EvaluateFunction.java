package io.tlalign.job.operators;

import io.tlalign.job.publish.ModelStore;
import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.servable.VitScorer;
import io.tlalign.model.state.TrainingState;
import io.tlalign.schemas.ModelRef;
import io.tlalign.schemas.TrainingMetric;
import io.tlalign.schemas.codec.AvroRecordCodec;
import io.tlalign.schemas.codec.RecordDecodeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.CoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the evaluation set with every published model. The first {@code maxImages} valid images of
 * the eval topic form the set (kept in operator state); each {@link ModelRef} read from the models
 * topic is loaded, checked against its SHA-256, and evaluated on the set. The accuracy goes out as
 * a {@link TrainingMetric} and to the Flink gauge {@code evalAccuracy}.
 */
public final class EvaluateFunction
    extends CoProcessFunction<TrainingImage, KafkaRecord, TrainingMetric>
    implements CheckpointedFunction {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluateFunction.class);

  static final ListStateDescriptor<TrainingImage> EVAL_SET =
      new ListStateDescriptor<>("tlalign-eval-set", TypeInformation.of(TrainingImage.class));

  private final TrainerSettings settings;
  private final int maxImages;
  private final int batchSize;

  private transient ListState<TrainingImage> evalSetState;
  private transient List<TrainingImage> evalSet;
  private transient AvroRecordCodec<ModelRef> refCodec;
  private transient volatile double lastAccuracy = Double.NaN;

  public EvaluateFunction(TrainerSettings settings, int maxImages, int batchSize) {
    this.settings = settings;
    this.maxImages = maxImages;
    this.batchSize = batchSize;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    evalSetState = context.getOperatorStateStore().getListState(EVAL_SET);
    evalSet = new ArrayList<>();
    if (context.isRestored()) {
      evalSetState.get().forEach(evalSet::add);
    }
  }

  @Override
  public void open(OpenContext ctx) {
    refCodec = AvroRecordCodec.forModelRef();
    EngineSetup.start(EngineOptions.defaults().withThreads(settings.threads(), 1));
    getRuntimeContext().getMetricGroup().gauge("evalAccuracy", () -> lastAccuracy);
  }

  @Override
  public void processElement1(TrainingImage img, Context ctx, Collector<TrainingMetric> out) {
    if (!img.skipped && evalSet.size() < maxImages) {
      evalSet.add(img);
    }
  }

  @Override
  public void processElement2(KafkaRecord record, Context ctx, Collector<TrainingMetric> out)
      throws Exception {
    ModelRef ref;
    try {
      ref = refCodec.decode(record.value);
    } catch (RecordDecodeException e) {
      LOG.warn("skipping unreadable model pointer at {}: {}", record, e.getMessage());
      return;
    }
    if (evalSet.isEmpty()) {
      LOG.info("model step {} published before any eval image arrived", ref.getStep());
      return;
    }
    TrainingState state = ModelStore.read(ref);
    EvalResult result;
    // The servable's scoring core: the same restore and forward pass as serving and transform.
    try (VitScorer scorer = VitScorer.open(settings.trainingConfig(), state)) {
      int per = evalSet.get(0).pixels.length;
      float[] pixels = new float[evalSet.size() * per];
      int[] labels = new int[evalSet.size()];
      for (int i = 0; i < evalSet.size(); i++) {
        System.arraycopy(evalSet.get(i).pixels, 0, pixels, i * per, per);
        labels[i] = evalSet.get(i).label;
      }
      result = scorer.evaluate(pixels, labels, batchSize);
    }
    lastAccuracy = result.accuracy();
    LOG.info(
        "model step {}: eval accuracy {} on {} images",
        ref.getStep(),
        result.accuracy(),
        result.examples());
    out.collect(
        TrainingMetric.newBuilder()
            .setStep(ref.getStep())
            .setLoss(result.meanLoss())
            .setAccuracy(result.accuracy())
            .setLearningRate(0)
            .setImagesPerSecond(0)
            .setMeanLambda(1)
            .setMeanAlignedShareA(1)
            .setTime(Instant.now())
            .build());
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    evalSetState.update(evalSet);
  }
}
