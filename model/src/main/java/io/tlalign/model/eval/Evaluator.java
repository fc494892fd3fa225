package io.tlalign.model.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tlalign.model.NativeArrays;
import io.tlalign.model.NoGrad;
import io.tlalign.model.label.SoftTargetLoss;
import io.tlalign.model.label.SoftTargets;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitModel;
import java.util.Objects;

/**
 * Evaluates a model on labeled images, batch by batch, without gradients: no collector, and
 * PyTorch's grad mode off for the duration (it is on by default on every thread but the one that
 * loaded the engine), so no graph is recorded and no gradient touched.
 *
 * <p>Accumulates across calls to {@link #add}, so a stream of evaluation batches can be fed as it
 * arrives; {@link #result()} reads the running totals.
 */
public final class Evaluator {

  private final VitModel model;
  private long examples;
  private long correct;
  private double lossSum;

  public Evaluator(VitModel model) {
    this.model = Objects.requireNonNull(model, "model");
  }

  /** Evaluates {@code labels.length} images of {@code pixels} in batches of {@code batchSize}. */
  public static EvalResult evaluate(VitModel model, float[] pixels, int[] labels, int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
    }
    int per = model.config().pixelsPerImage();
    checkSizes(pixels, labels, per);
    Evaluator e = new Evaluator(model);
    for (int start = 0; start < labels.length; start += batchSize) {
      int end = Math.min(labels.length, start + batchSize);
      float[] chunk = java.util.Arrays.copyOfRange(pixels, start * per, end * per);
      e.add(chunk, java.util.Arrays.copyOfRange(labels, start, end));
    }
    return e.result();
  }

  /** Adds one batch: {@code pixels} [B, C, H, W] normalised, {@code labels} [B]. */
  public void add(float[] pixels, int[] labels) {
    VitConfig c = model.config();
    checkSizes(pixels, labels, c.pixelsPerImage());
    if (labels.length == 0) {
      return;
    }
    try (NDManager sm = model.newStepManager()) {
      NDArray logits = logits(model, sm, pixels, labels.length); // [B, K]
      NDArray target = SoftTargets.plain(sm, labels, c.numClasses(), 0.0); // [B, K]
      double loss = SoftTargetLoss.crossEntropy(logits, target).getFloat();
      long[] predicted = logits.argMax(1).toLongArray(); // [B]
      for (int i = 0; i < labels.length; i++) {
        if (predicted[i] == labels[i]) {
          correct++;
        }
      }
      lossSum += loss * labels.length;
      examples += labels.length;
    }
  }

  public EvalResult result() {
    return new EvalResult(examples, correct, examples == 0 ? Double.NaN : lossSum / examples);
  }

  /**
   * Logits of {@code count} images under no-grad, owned by {@code manager}.
   *
   * @return [B, K], not attached to any autograd graph
   */
  @SuppressWarnings("try") // the scope guard is used for its close()
  public static NDArray logits(VitModel model, NDManager manager, float[] pixels, int count) {
    VitConfig c = model.config();
    try (NoGrad noGrad = NoGrad.enter()) {
      NDArray images =
          NativeArrays.copyOf(
              manager, pixels, new Shape(count, c.channels(), c.imageHeight(), c.imageWidth()));
      return model.forward(images, false).get(0);
    }
  }

  private static void checkSizes(float[] pixels, int[] labels, int perImage) {
    if (pixels.length != (long) labels.length * perImage) {
      throw new IllegalArgumentException(
          "pixels has "
              + pixels.length
              + " floats but "
              + labels.length
              + " labels need "
              + (long) labels.length * perImage);
    }
  }
}
