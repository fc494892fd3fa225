package io.tlalign.job.records;

import io.tlalign.model.train.MixedBatch;

/**
 * A paired, CutMix-mixed batch between the pairing and training operators: the model's {@link
 * MixedBatch} as a Flink POJO, plus the ids of its images for the trained-records ledger.
 */
public class TrainingBatch {
  public long batchIndex;
  public String[] ids;
  public int channels;
  public int height;
  public int width;
  public float[] pixels;
  public int[] labelsA;
  public int[] labelsB;
  public int numTokens;
  public float[] tokenWeights;
  public double lambda;

  public TrainingBatch() {}

  public static TrainingBatch of(MixedBatch b, String[] ids) {
    TrainingBatch t = new TrainingBatch();
    t.batchIndex = b.batchIndex();
    t.ids = ids;
    t.channels = b.channels();
    t.height = b.height();
    t.width = b.width();
    t.pixels = b.pixels();
    t.labelsA = b.labelsA();
    t.labelsB = b.labelsB();
    t.numTokens = b.numTokens();
    t.tokenWeights = b.tokenWeights();
    t.lambda = b.lambda();
    return t;
  }

  public MixedBatch toMixedBatch() {
    return new MixedBatch(
        batchIndex,
        channels,
        height,
        width,
        pixels,
        labelsA,
        labelsB,
        numTokens,
        tokenWeights,
        lambda);
  }
}
