package io.tlalign.model.servable;

import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.StringParam;

/**
 * Input column of images: raw unsigned bytes, row-major and channel-last (H x W x C of the preset),
 * or PNG or JPEG bytes of any size; scoring applies the evaluation transform to either.
 */
public interface HasFeaturesCol<T> extends TlAlignParams<T> {

  Param<String> FEATURES_COL =
      new StringParam(
          "featuresCol",
          "Input column of images: raw unsigned bytes, row-major and channel-last (H x W x C of"
              + " the preset), or PNG or JPEG bytes of any size (scoring only).",
          "features",
          ParamRule.columnName());

  default String getFeaturesCol() {
    return get(FEATURES_COL);
  }

  default T setFeaturesCol(String value) {
    return set(FEATURES_COL, value);
  }
}
