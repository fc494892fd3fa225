package io.tlalign.model.servable;

import org.apache.flink.ml.param.IntParam;
import org.apache.flink.ml.param.Param;

/** Images per training step, and per forward pass when scoring. */
public interface HasBatchSize<T> extends TlAlignParams<T> {

  Param<Integer> BATCH_SIZE =
      new IntParam(
          "batchSize",
          "Images per training step, and per forward pass when scoring.",
          128,
          ParamRule.atLeast(1, ", e.g. 128"));

  default Integer getBatchSize() {
    return get(BATCH_SIZE);
  }

  default T setBatchSize(Integer value) {
    return set(BATCH_SIZE, value);
  }
}
