package io.tlalign.model.servable;

import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/** Output column of the class probabilities, the softmax of the logits (a DenseVector of K). */
public interface HasProbabilityCol<T> extends TlAlignParams<T> {

  Param<String> PROBABILITY_COL =
      new StringParam(
          "probabilityCol",
          "Output column of the class probabilities, the softmax of the logits (a DenseVector of K).",
          "probability",
          ParamRule.columnName());

  default String getProbabilityCol() {
    return get(PROBABILITY_COL);
  }

  default T setProbabilityCol(String value) {
    return set(PROBABILITY_COL, value);
  }
}
