package io.tlalign.model.servable;

import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/** Output column of the logits (a DenseVector of K). */
public interface HasRawPredictionCol<T> extends TlAlignParams<T> {

  Param<String> RAW_PREDICTION_COL =
      new StringParam(
          "rawPredictionCol",
          "Output column of the logits (a DenseVector of K).",
          "rawPrediction",
          ParamRule.columnName());

  default String getRawPredictionCol() {
    return get(RAW_PREDICTION_COL);
  }

  default T setRawPredictionCol(String value) {
    return set(RAW_PREDICTION_COL, value);
  }
}
