package io.tlalign.pipeline.local;

import io.tlalign.model.eval.EvalResult;
import io.tlalign.pipeline.job.TrainerSettings;
import io.tlalign.pipeline.publish.ModelStore;
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

  /** Scores each of {@code models} on the first {@code images} test images, in step order. */
  public static List<Point> of(
      List<ModelRef> models, TrainerSettings settings, TestSet test, int images) throws Exception {
    List<Point> points = new ArrayList<>();
    for (ModelRef ref : models) {
      EvalResult r = test.evaluate(settings, ModelStore.read(ref), images);
      points.add(new Point(ref.getStep(), r.accuracy()));
    }
    return points;
  }
}
