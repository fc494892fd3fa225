package io.tlalign.job.operators;

import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.alignment.CutMixSample;
import io.tlalign.alignment.Pairing;
import io.tlalign.alignment.PairingMode;
import io.tlalign.alignment.TokenLayout;
import io.tlalign.job.records.TrainingBatch;
import io.tlalign.job.records.TrainingImage;
import io.tlalign.model.train.MixedBatch;
import io.tlalign.model.train.MixedBatches;
import java.io.Serializable;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * Turns a full micro-batch into a paired, CutMix-mixed {@link TrainingBatch}. Every draw (the box,
 * lambda and, for permutation pairing, the partners) comes from a generator seeded with the job
 * seed and the batch index alone, so a restored job mixes a replayed batch exactly as before and
 * the generator needs no state of its own.
 */
public final class BatchMixer implements Serializable {

  private static final long serialVersionUID = 1L;

  private final long jobSeed;
  private final boolean mix;
  private final double alpha;
  private final boolean tokenGridBoxes;
  private final PairingMode pairing;
  private final int channels;
  private final TokenLayout layout;

  /**
   * @param mix false for plain batches (no CutMix: every sample is its own partner)
   * @param tokenGridBoxes boxes on the patch grid (the published form) instead of pixel boxes
   */
  public BatchMixer(
      long jobSeed,
      boolean mix,
      double alpha,
      boolean tokenGridBoxes,
      PairingMode pairing,
      int channels,
      TokenLayout layout) {
    this.jobSeed = jobSeed;
    this.mix = mix;
    this.alpha = alpha;
    this.tokenGridBoxes = tokenGridBoxes;
    this.pairing = pairing;
    this.channels = channels;
    this.layout = layout;
    new CutMixBoxSampler(alpha); // validates alpha at job construction, not at the first batch
  }

  public TrainingBatch mix(long batchIndex, List<TrainingImage> images) {
    int b = images.size();
    int per = channels * layout.imageHeight() * layout.imageWidth();
    float[] pixels = new float[b * per];
    int[] labels = new int[b];
    String[] ids = new String[b];
    for (int i = 0; i < b; i++) {
      TrainingImage img = images.get(i);
      System.arraycopy(img.pixels, 0, pixels, i * per, per);
      labels[i] = img.label;
      ids[i] = img.id;
    }
    MixedBatch batch;
    if (mix) {
      UniformRandomProvider rng = rngFor(batchIndex);
      CutMixBoxSampler sampler = new CutMixBoxSampler(alpha);
      CutMixSample sample =
          tokenGridBoxes
              ? sampler.sampleTokenGridBox(
                  layout.gridHeight(), layout.gridWidth(), layout.patchSize(), rng)
              : sampler.samplePixelBox(layout.imageHeight(), layout.imageWidth(), rng);
      int[] partners = Pairing.partners(b, pairing, rng);
      batch = MixedBatches.cutMix(batchIndex, layout, channels, pixels, labels, sample, partners);
    } else {
      batch = MixedBatches.unmixed(batchIndex, layout, channels, pixels, labels);
    }
    return TrainingBatch.of(batch, ids);
  }

  UniformRandomProvider rngFor(long batchIndex) {
    // A raw low-entropy state (e.g. {7, 0}) makes xoroshiro's first outputs nearly zero; a single
    // long seed is expanded through SplitMix64 by commons-rng, which mixes it properly.
    return RandomSource.XO_RO_SHI_RO_128_PP.create(jobSeed * 0x9E3779B97F4A7C15L + batchIndex);
  }
}
