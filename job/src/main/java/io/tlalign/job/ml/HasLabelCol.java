package io.tlalign.job.ml;

import io.tlalign.model.servable.ParamRule;
import io.tlalign.model.servable.TlAlignParams;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/** Input column of class indices in [0, K) (INT, or any integer type). */
public interface HasLabelCol<T> extends TlAlignParams<T> {

  Param<String> LABEL_COL =
      new StringParam(
          "labelCol",
          "Input column of class indices in [0, K) (INT, or any integer type).",
          "label",
          ParamRule.columnName());

  default String getLabelCol() {
    return get(LABEL_COL);
  }

  default T setLabelCol(String value) {
    return set(LABEL_COL, value);
  }
}
