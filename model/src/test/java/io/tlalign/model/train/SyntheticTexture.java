package io.tlalign.model.train;

import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.alignment.CutMixSample;
import io.tlalign.alignment.Pairing;
import io.tlalign.alignment.PairingMode;
import io.tlalign.model.vit.VitConfig;
import java.util.SplittableRandom;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A separable toy dataset at Fashion-MNIST size: class c is a bright horizontal bar over rows [2c +
 * 4, 2c + 6) on faint noise. Every draw is seeded.
 */
final class SyntheticTexture {

  private SyntheticTexture() {}

  static int[] labels(int count, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] labels = new int[count];
    for (int i = 0; i < count; i++) {
      labels[i] = r.nextInt(10);
    }
    return labels;
  }

  static float[] images(VitConfig c, int[] labels, long seed) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x5deece66dL);
    int h = c.imageHeight();
    int w = c.imageWidth();
    float[] px = new float[labels.length * h * w];
    for (int i = 0; i < labels.length; i++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          boolean lit = (y % 4) * 4 + x % 4 == labels[i];
          px[i * h * w + y * w + x] = (lit ? 2f : -0.4f) + (float) (0.1 * r.nextDouble());
        }
      }
    }
    return px;
  }

  static MixedBatch unmixed(VitConfig c, int batchSize, long index) {
    int[] labels = labels(batchSize, index);
    return MixedBatches.unmixed(
        index, c.tokenLayout(), c.channels(), images(c, labels, index), labels);
  }

  /** A CutMix batch with a pixel box and reversed pairing, both drawn from {@code index}. */
  static MixedBatch cutMix(VitConfig c, int batchSize, long index) {
    int[] labels = labels(batchSize, index);
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(index * 31 + 7);
    CutMixSample sample =
        new CutMixBoxSampler(1.0).samplePixelBox(c.imageHeight(), c.imageWidth(), rng);
    return MixedBatches.cutMix(
        index,
        c.tokenLayout(),
        c.channels(),
        images(c, labels, index),
        labels,
        sample,
        Pairing.partners(batchSize, PairingMode.REVERSED, rng));
  }
}
