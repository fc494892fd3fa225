package io.tlalign.model.servable;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.model.eval.Evaluator;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.DataConfig;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.util.Arrays;
import java.util.List;

/**
 * The scoring core shared by the servable, the Flink ML model's transform and the streaming job's
 * evaluation: a {@link TrainingState} restored into a model on the CPU, then logits, softmax
 * probabilities, predictions or the evaluation metrics of batches of normalised images.
 *
 * <p>The state is restored through {@link TrainingSession#fromState}, the same checked path a
 * training restore takes, so a model of another preset or shape is refused with the same message.
 * Not thread-safe; close it to free the parameters.
 */
public final class VitScorer implements AutoCloseable {

  private final TrainingSession session;

  private VitScorer(TrainingSession session) {
    this.session = session;
  }

  /** A scorer for a state trained with {@code config} (the streaming job's settings). */
  public static VitScorer open(TrainingConfig config, TrainingState state) {
    return new VitScorer(TrainingSession.fromState(config, Device.cpu(), state));
  }

  /**
   * A scorer for a state of its own preset with {@code numClasses} classes, preparing images with
   * the data config the state records (its preset's where it records none).
   */
  public static VitScorer open(TrainingState state, int numClasses) {
    VitConfig model = VitPresets.byName(state.preset()).withNumClasses(numClasses);
    return open(TrainingConfig.defaults(model, 0).withData(dataConfigOf(state, model)), state);
  }

  /** The data config {@code state} was trained with: its metadata over the preset's. */
  public static DataConfig dataConfigOf(TrainingState state, VitConfig model) {
    return VitPresets.dataConfig(model, state.metadata());
  }

  public VitConfig config() {
    return session.model().config();
  }

  /** How images are prepared for this model: the evaluation transform and normalisation. */
  public DataConfig data() {
    return session.config().data();
  }

  /** Scores images of any size after {@link ImagePixels#toModelInput} with {@link #data()}. */
  public Scores scoreImages(List<U8Image> images, int batchSize) {
    DataConfig d = data();
    int per = config().pixelsPerImage();
    float[] pixels = new float[images.size() * per];
    for (int i = 0; i < images.size(); i++) {
      ImagePixels.toModelInput(images.get(i), d, pixels, i * per);
    }
    return score(pixels, images.size(), batchSize);
  }

  /** The step of the restored state. */
  public long step() {
    return session.stepCount();
  }

  /**
   * Scores {@code count} images of {@code pixels} ([B, C, H, W] normalised) in batches of {@code
   * batchSize}.
   */
  public Scores score(float[] pixels, int count, int batchSize) {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
    }
    VitConfig c = config();
    int per = c.pixelsPerImage();
    if (pixels.length != (long) count * per) {
      throw new IllegalArgumentException(
          "pixels has "
              + pixels.length
              + " floats but "
              + count
              + " images need "
              + (long) count * per);
    }
    int k = c.numClasses();
    float[] logits = new float[count * k];
    float[] probabilities = new float[count * k];
    int[] predictions = new int[count];
    for (int start = 0; start < count; start += batchSize) {
      int end = Math.min(count, start + batchSize);
      try (NDManager sm = session.model().newStepManager()) {
        float[] chunk = Arrays.copyOfRange(pixels, start * per, end * per);
        NDArray out = Evaluator.logits(session.model(), sm, chunk, end - start); // [b, K]
        System.arraycopy(out.toFloatArray(), 0, logits, start * k, (end - start) * k);
        System.arraycopy(
            out.softmax(1).toFloatArray(), 0, probabilities, start * k, (end - start) * k);
        long[] argMax = out.argMax(1).toLongArray();
        for (int i = 0; i < argMax.length; i++) {
          predictions[start + i] = (int) argMax[i];
        }
      }
    }
    return new Scores(k, logits, probabilities, predictions);
  }

  /**
   * Accuracy and mean cross-entropy on labeled images, exactly as {@link Evaluator} computes them.
   */
  public EvalResult evaluate(float[] pixels, int[] labels, int batchSize) {
    return Evaluator.evaluate(session.model(), pixels, labels, batchSize);
  }

  @Override
  public void close() {
    session.close();
  }
}
