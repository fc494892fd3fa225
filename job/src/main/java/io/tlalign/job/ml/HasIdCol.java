package io.tlalign.job.ml;

import io.tlalign.model.servable.ParamRule;
import io.tlalign.model.servable.TlAlignParams;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/**
 * Optional input column of image ids (STRING). The augmentation is seeded by id, as in the
 * streaming job, where the id is the record key; without the column an image's id is its row
 * number.
 */
public interface HasIdCol<T> extends TlAlignParams<T> {

  Param<String> ID_COL =
      new StringParam(
          "idCol",
          "Optional input column of image ids (STRING) that seed the augmentation; null: the row"
              + " number.",
          null,
          ParamRule.optionalColumnName());

  default String getIdCol() {
    return get(ID_COL);
  }

  default T setIdCol(String value) {
    return set(ID_COL, value);
  }
}
