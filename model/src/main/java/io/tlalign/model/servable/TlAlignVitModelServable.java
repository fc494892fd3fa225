package io.tlalign.model.servable;

import io.tlalign.model.data.EncodedImages;
import io.tlalign.model.data.U8Image;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.state.TrainingStateFormat;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.Path;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.ModelServable;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.ml.servable.types.BasicType;
import org.apache.flink.ml.servable.types.DataTypes;
import org.apache.flink.ml.util.ParamUtils;
import org.apache.flink.ml.util.ServableReadWriteUtils;

/**
 * Scores images with a TL-Align ViT without a Flink cluster: the Flink ML servable of {@code
 * TlAlignVitModel}. Its model data is a {@link TrainingStateFormat} file, the format of the files
 * the streaming job publishes and of {@code TlAlignVitModel.save}'s data, so {@link #load} reads a
 * saved model folder and {@link #fromModelFile} a published {@code .tlas} file.
 *
 * <p>{@link #transform} reads each image of the features column (raw pixels at the input size, or
 * PNG or JPEG bytes of any size; see {@link ImagePixels#fromColumn}), prepares it with the data
 * config the model file records (evaluation transform, then the normalisation) and adds the
 * prediction (INT), probability and raw prediction (DenseVector of K doubles) columns, computed by
 * {@link VitScorer}, the scoring core that {@code TlAlignVitModel} and the streaming job's
 * evaluation use too. Depends on flink-core and flink-ml-servable-core only (no Flink runtime,
 * streaming or table classes). Not thread-safe; close it to free the model.
 */
public final class TlAlignVitModelServable
    implements ModelServable<TlAlignVitModelServable>,
        TlAlignVitModelParams<TlAlignVitModelServable>,
        AutoCloseable {

  private final Map<Param<?>, Object> paramMap = new HashMap<>();
  private VitScorer scorer;

  public TlAlignVitModelServable() {
    ParamUtils.initializeMapWithDefaultValues(paramMap, this);
  }

  @Override
  public Map<Param<?>, Object> getParamMap() {
    return paramMap;
  }

  /** A servable of a model saved by {@code TlAlignVitModel.save(path)}: its params and state. */
  public static TlAlignVitModelServable load(String path) throws IOException {
    TlAlignVitModelServable servable =
        ServableReadWriteUtils.loadServableParam(path, TlAlignVitModelServable.class);
    try (InputStream in = ServableReadWriteUtils.loadModelData(path)) {
      return servable.setModelData(in);
    }
  }

  /**
   * A servable with default params for a model file the streaming job published ({@code
   * ModelRef.uri}: any URI Flink's file systems read, e.g. {@code file:///models/model-...tlas}).
   */
  public static TlAlignVitModelServable fromModelFile(String uri) throws IOException {
    Path file = new Path(uri);
    try (InputStream in = file.getFileSystem().open(file)) {
      return new TlAlignVitModelServable().setModelData(in);
    }
  }

  /** Reads one {@link TrainingStateFormat} stream: the model to score with from now on. */
  @Override
  public TlAlignVitModelServable setModelData(InputStream... modelDataInputs) throws IOException {
    if (modelDataInputs.length != 1) {
      throw new IllegalArgumentException(
          "expected one model data stream (a TrainingStateFormat file), got "
              + modelDataInputs.length);
    }
    return setModelData(TrainingStateFormat.readFrom(modelDataInputs[0]));
  }

  /** Scores with {@code state} from now on. */
  public TlAlignVitModelServable setModelData(TrainingState state) {
    VitScorer next = VitScorer.open(state, getNumClasses());
    close();
    scorer = next;
    return this;
  }

  /** The step of the model in use. */
  public long modelStep() {
    return requireScorer().step();
  }

  @Override
  public DataFrame transform(DataFrame input) {
    VitScorer s = requireScorer();
    int column = input.getIndex(getFeaturesCol());
    List<Row> rows = input.collect();
    List<U8Image> images = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      Object value = rows.get(i).get(column);
      if (!(value instanceof byte[] bytes)) {
        throw new IllegalArgumentException(
            "row "
                + i
                + " of column "
                + getFeaturesCol()
                + " holds "
                + (value == null ? "null" : value.getClass().getSimpleName())
                + "; expected byte[] (raw unsigned pixels, row-major, channel-last, or PNG or"
                + " JPEG bytes)");
      }
      images.add(ImagePixels.fromColumn(bytes, s.data(), EncodedImages.DEFAULT_MAX_PIXELS));
    }
    Scores scores = s.scoreImages(images, getBatchSize());
    List<Integer> predictions = new ArrayList<>(rows.size());
    List<DenseVector> probabilities = new ArrayList<>(rows.size());
    List<DenseVector> logits = new ArrayList<>(rows.size());
    for (int i = 0; i < scores.size(); i++) {
      predictions.add(scores.predictions()[i]);
      probabilities.add(new DenseVector(scores.probabilitiesOf(i)));
      logits.add(new DenseVector(scores.logitsOf(i)));
    }
    input.addColumn(getPredictionCol(), DataTypes.INT, predictions);
    input.addColumn(getProbabilityCol(), DataTypes.VECTOR(BasicType.DOUBLE), probabilities);
    input.addColumn(getRawPredictionCol(), DataTypes.VECTOR(BasicType.DOUBLE), logits);
    return input;
  }

  private VitScorer requireScorer() {
    if (scorer == null) {
      throw new IllegalStateException(
          "no model data: call setModelData, load(path) or fromModelFile(uri) first");
    }
    return scorer;
  }

  @Override
  public void close() {
    if (scorer != null) {
      scorer.close();
      scorer = null;
    }
  }
}
