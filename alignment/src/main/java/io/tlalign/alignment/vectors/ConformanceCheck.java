package io.tlalign.alignment.vectors;

import io.tlalign.alignment.InitialWeights;
import io.tlalign.alignment.Pairing;
import io.tlalign.alignment.Propagation;
import io.tlalign.alignment.SoftTargetCrossEntropy;
import io.tlalign.alignment.Targets;
import io.tlalign.alignment.TokenLabelAlignment;

/**
 * Recomputes every {@code expected.*} field of a test vector from its inputs with this library, and
 * the inputs' own redundant fields (lambda, pixel mask, partner labels) from the box and labels, so
 * that a vector that contradicts itself is caught too.
 */
public final class ConformanceCheck {

  private ConformanceCheck() {}

  public static ConformanceReport check(TestVector v) {
    ConformanceReport r = new ConformanceReport(v.name());
    int h = v.layout().imageHeight();
    int w = v.layout().imageWidth();

    r.record("lam", Math.abs(v.box().lambda(h, w) - v.lam()));
    double maskErr = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        maskErr =
            Math.max(maskErr, Math.abs((v.box().contains(y, x) ? 1 : 0) - v.pixelMask()[y][x]));
      }
    }
    r.record("pixel_mask", maskErr);
    int[] expectedB =
        TokenLabelAlignment.partnerLabels(v.labels(), Pairing.reversed(v.batchSize()));
    r.record("labels_a", labelMismatch(v.labels(), v.labelsA()));
    r.record("labels_b", labelMismatch(expectedB, v.labelsB()));

    double[][][] initial = InitialWeights.forBatch(v.layout(), v.box(), v.batchSize());
    r.record("expected.initial_weights", Diff.max(initial, v.expected().initialWeights()));

    double[][][][] mean = new double[v.numLayers()][v.batchSize()][][];
    for (int l = 0; l < v.numLayers(); l++) {
      for (int b = 0; b < v.batchSize(); b++) {
        mean[l][b] = Propagation.meanOverHeads(v.attention()[l][b]);
      }
    }
    r.record("expected.mean_attention", Diff.max(mean, v.expected().meanAttention()));

    double[][][][] aligned = TokenLabelAlignment.propagate(initial, mean);
    r.record("expected.aligned_weights", Diff.max(aligned, v.expected().alignedWeights()));

    double[][] fin = TokenLabelAlignment.readOut(aligned[v.numLayers() - 1], v.pooling());
    r.record("expected.final_weights", Diff.max(fin, v.expected().finalWeights()));

    double[][] target =
        Targets.mixBatch(fin, v.labelsA(), v.labelsB(), v.numClasses(), v.labelSmoothing());
    r.record("expected.target", Diff.max(target, v.expected().target()));
    double[][] cutmix =
        Targets.cutMixBatch(
            v.box().lambda(h, w), v.labelsA(), v.labelsB(), v.numClasses(), v.labelSmoothing());
    r.record("expected.cutmix_target", Diff.max(cutmix, v.expected().cutmixTarget()));

    r.record(
        "expected.loss",
        Diff.abs(SoftTargetCrossEntropy.loss(v.logits(), target), v.expected().loss()));
    r.record(
        "expected.cutmix_loss",
        Diff.abs(SoftTargetCrossEntropy.loss(v.logits(), cutmix), v.expected().cutmixLoss()));
    return r;
  }

  private static double labelMismatch(int[] expected, int[] actual) {
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] != actual[i]) {
        return Double.POSITIVE_INFINITY;
      }
    }
    return 0;
  }
}
