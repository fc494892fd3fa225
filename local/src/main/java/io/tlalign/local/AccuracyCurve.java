package io.tlalign.local;

import io.tlalign.job.publish.ModelStore;
import io.tlalign.job.settings.TrainerSettings;
import io.tlalign.model.eval.EvalResult;
import io.tlalign.schemas.ModelRef;
import java.util.ArrayList;
import java.util.List;

/**
 * Test accuracy against step: every model a run published (one per completed checkpoint), scored on
 * the first images of the test split. Each model file is checked against its SHA-256 on load.
 */
public final class AccuracyCurve {

  /** One point of the curve. */
  public record Point(long step, double accuracy) {}

  private AccuracyCurve() {}

  /** Most models scored per curve: a slow run publishes many, and each costs a load and a pass. */
  public static final int MAX_POINTS = 16;

  /**
   * Scores up to {@link #MAX_POINTS} of {@code models} (spread evenly over them, the last always
   * included) on the first {@code images} test images, in step order.
   */
  public static List<Point> of(
      List<ModelRef> models, TrainerSettings settings, TestSet test, int images) throws Exception {
    List<Point> points = new ArrayList<>();
    for (ModelRef ref : spread(models, MAX_POINTS)) {
      EvalResult r = test.evaluate(settings, ModelStore.read(ref), images);
      points.add(new Point(ref.getStep(), r.accuracy()));
    }
    return points;
  }

  /** At most {@code max} of {@code all}, evenly spaced by index, ending with the last. */
  static <T> List<T> spread(List<T> all, int max) {
    if (all.size() <= max) {
      return all;
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < max; i++) {
      // Index (i+1)*n/max - 1 for i = 0..max-1: increasing, distinct, and the last is n - 1.
      out.add(all.get((int) ((long) (i + 1) * all.size() / max) - 1));
    }
    return out;
  }
}
