package io.tlalign.model.servable;

import org.apache.flink.ml.param.IntParam;
import org.apache.flink.ml.param.Param;

/** K, the number of classes; labels lie in [0, K). */
public interface HasNumClasses<T> extends TlAlignParams<T> {

  Param<Integer> NUM_CLASSES =
      new IntParam(
          "numClasses",
          "K, the number of classes; labels lie in [0, K).",
          10,
          ParamRule.atLeast(2, ", e.g. 10"));

  default Integer getNumClasses() {
    return get(NUM_CLASSES);
  }

  default T setNumClasses(Integer value) {
    return set(NUM_CLASSES, value);
  }
}
