package io.tlalign.job.ml;

import io.tlalign.model.servable.TlAlignVitModelParams;
import io.tlalign.model.servable.TlAlignVitModelServable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.ml.api.Model;
import org.apache.flink.ml.common.datastream.TableUtils;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.util.ParamUtils;
import org.apache.flink.ml.util.ReadWriteUtils;
import org.apache.flink.ml.util.ServableReadWriteUtils;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.internal.TableImpl;
import org.apache.flink.types.Row;

/**
 * A fitted TL-Align ViT as a Flink ML {@link Model}. {@link #transform} appends the predicted class
 * (INT), the class probabilities and the logits (DenseVector) to each row, scored by the same core
 * as {@link TlAlignVitModelServable} and the streaming job's evaluation.
 *
 * <p>Model data: one table of one row holding the training state in {@code TrainingStateFormat},
 * the format of the files the streaming job publishes. {@link #save} writes {@code path/metadata}
 * (Flink ML's JSON of the params) and {@code path/data/model.tlas}; {@link #load} reads them, and
 * so does {@link TlAlignVitModelServable#load} without a Flink runtime.
 *
 * <p>The model data is read once on the client (a small job when it is not already in memory) and
 * travels with the scoring operator, so the model's size is bounded by what a job graph can carry:
 * fine for vit-tiny-fm (1.7 MB), too big for deit-base.
 */
public class TlAlignVitModel
    implements Model<TlAlignVitModel>, TlAlignVitModelParams<TlAlignVitModel> {

  private static final long serialVersionUID = 1L;

  /** The file under {@code path/data/} that {@link #save} writes. */
  public static final String DATA_FILE = "model.tlas";

  private final Map<Param<?>, Object> paramMap = new HashMap<>();
  private transient Table modelData;
  private transient byte[] stateBytes; // modelData's content, once read

  public TlAlignVitModel() {
    ParamUtils.initializeMapWithDefaultValues(paramMap, this);
  }

  @Override
  public Map<Param<?>, Object> getParamMap() {
    return paramMap;
  }

  @Override
  public TlAlignVitModel setModelData(Table... inputs) {
    if (inputs.length != 1) {
      throw new IllegalArgumentException(
          "expected one model data table (one row, BYTES in TrainingStateFormat), got "
              + inputs.length);
    }
    modelData = inputs[0];
    stateBytes = null;
    return this;
  }

  /** Sets the model data from the bytes of a training state (e.g. a published model file). */
  TlAlignVitModel setModelData(StreamTableEnvironment tEnv, byte[] state) {
    modelData = ModelDataTable.of(tEnv, state);
    stateBytes = state;
    return this;
  }

  @Override
  public Table[] getModelData() {
    return new Table[] {requireModelData()};
  }

  @Override
  public Table[] transform(Table... inputs) {
    if (inputs.length != 1) {
      throw new IllegalArgumentException(
          "transform takes one table of images, got " + inputs.length);
    }
    Table input = inputs[0];
    StreamTableEnvironment tEnv =
        (StreamTableEnvironment) ((TableImpl) input).getTableEnvironment();
    RowTypeInfo inType = TableUtils.getRowTypeInfo(input.getResolvedSchema());
    int features = Arrays.asList(inType.getFieldNames()).indexOf(getFeaturesCol());
    if (features < 0) {
      throw new IllegalArgumentException(
          "input table has no column "
              + getFeaturesCol()
              + " (columns: "
              + String.join(", ", inType.getFieldNames())
              + "); set featuresCol to the column of images");
    }
    String[] names = Arrays.copyOf(inType.getFieldNames(), inType.getArity() + 3);
    TypeInformation<?>[] types = Arrays.copyOf(inType.getFieldTypes(), inType.getArity() + 3);
    names[inType.getArity()] = getPredictionCol();
    names[inType.getArity() + 1] = getProbabilityCol();
    names[inType.getArity() + 2] = getRawPredictionCol();
    types[inType.getArity()] = BasicTypeInfo.INT_TYPE_INFO;
    types[inType.getArity() + 1] = TypeInformation.of(DenseVector.class);
    types[inType.getArity() + 2] = TypeInformation.of(DenseVector.class);
    DataStream<Row> rows = tEnv.toDataStream(input);
    DataStream<Row> scored =
        rows.transform(
            "tlalign-vit-score",
            new RowTypeInfo(types, names),
            new ScoreOperator(
                state(), getNumClasses(), features, getFeaturesCol(), getBatchSize()));
    return new Table[] {tEnv.fromDataStream(scored)};
  }

  @Override
  public void save(String path) throws IOException {
    byte[] state = state();
    ReadWriteUtils.saveMetadata(this, path);
    Path file = new Path(new Path(path, "data"), DATA_FILE);
    FileSystem fs = file.getFileSystem();
    fs.mkdirs(file.getParent());
    try (OutputStream out = fs.create(file, FileSystem.WriteMode.NO_OVERWRITE)) {
      out.write(state);
    }
  }

  /** Loads a model saved by {@link #save}: its params and its model data. */
  public static TlAlignVitModel load(StreamTableEnvironment tEnv, String path) throws IOException {
    TlAlignVitModel model = ReadWriteUtils.loadStageParam(path);
    try (InputStream in = ServableReadWriteUtils.loadModelData(path)) {
      return model.setModelData(tEnv, in.readAllBytes());
    }
  }

  /** The servable of a model saved by {@link #save} (Flink ML's servable loading convention). */
  public static TlAlignVitModelServable loadServable(String path) throws IOException {
    return TlAlignVitModelServable.load(path);
  }

  private Table requireModelData() {
    if (modelData == null) {
      throw new IllegalStateException(
          "no model data: fit a TlAlignVitClassifier, load a saved model or call setModelData");
    }
    return modelData;
  }

  private byte[] state() {
    Table data = requireModelData();
    if (stateBytes == null) {
      stateBytes = ModelDataTable.read(data);
    }
    return stateBytes;
  }
}
