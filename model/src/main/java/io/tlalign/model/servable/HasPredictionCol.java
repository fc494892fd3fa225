package io.tlalign.model.servable;

import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/** Output column of the predicted class index (INT). */
public interface HasPredictionCol<T> extends TlAlignParams<T> {

  Param<String> PREDICTION_COL =
      new StringParam(
          "predictionCol",
          "Output column of the predicted class index (INT).",
          "prediction",
          ParamRule.columnName());

  default String getPredictionCol() {
    return get(PREDICTION_COL);
  }

  default T setPredictionCol(String value) {
    return set(PREDICTION_COL, value);
  }
}
