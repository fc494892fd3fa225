package io.tlalign.job.operators;

import io.tlalign.job.records.KafkaRecord;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and validates each record. A good one goes on as a {@link TrainingImage}; a bad one goes
 * to the {@link #DEAD_LETTERS} side output with its reason code, is counted in the metric {@code
 * deadLetters.<REASON>}, and leaves a skipped placeholder in the main output so that the input
 * order has no holes. The job never fails on a bad record.
 */
public final class DecodeAndValidate extends ProcessFunction<KafkaRecord, TrainingImage> {

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>(
          "dead-letters",
          org.apache.flink.api.common.typeinfo.TypeInformation.of(DeadLetter.class)) {};

  private final int numClasses;
  private final DataConfig data;
  private final long maxPixels;
  private final TrainCrop trainCrop;

  private transient ImageValidator validator;
  private transient MetricGroup deadLetterMetrics;
  private transient Map<String, Counter> deadLettersByReason;
  private transient Counter accepted;

  /**
   * @param data the model's data config, read by both transforms
   * @param trainCrop null: the evaluation transform; else the seeded training crop and flip
   */
  public DecodeAndValidate(int numClasses, DataConfig data, long maxPixels, TrainCrop trainCrop) {
    this.numClasses = numClasses;
    this.data = data;
    this.maxPixels = maxPixels;
    this.trainCrop = trainCrop;
  }

  @Override
  public void open(OpenContext ctx) {
    validator = new ImageValidator(numClasses, data, maxPixels, trainCrop);
    deadLetterMetrics = getRuntimeContext().getMetricGroup().addGroup("deadLetters");
    deadLettersByReason = new HashMap<>();
    accepted = getRuntimeContext().getMetricGroup().counter("recordsAccepted");
  }

  @Override
  public void processElement(KafkaRecord r, Context ctx, Collector<TrainingImage> out) {
    try {
      out.collect(validator.validate(r));
      accepted.inc();
    } catch (Rejection e) {
      deadLettersByReason
          .computeIfAbsent(e.reasonCode(), reason -> deadLetterMetrics.counter(reason))
          .inc();
      ctx.output(DEAD_LETTERS, deadLetter(r, e.reasonCode(), e.getMessage()));
      out.collect(TrainingImage.skipped(r.seq));
    }
  }

  static DeadLetter deadLetter(KafkaRecord r, String reason, String message) {
    return DeadLetter.newBuilder()
        .setOriginalKey(r.key == null ? null : ByteBuffer.wrap(r.key))
        .setOriginalValue(r.value == null ? null : ByteBuffer.wrap(r.value))
        .setTopic(r.topic)
        .setPartition(r.partition)
        .setOffset(r.offset)
        .setReasonCode(reason)
        .setMessage(message == null ? reason : message)
        .setTime(Instant.ofEpochMilli(r.timestamp > 0 ? r.timestamp : System.currentTimeMillis()))
        .build();
  }
}
