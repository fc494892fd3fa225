package io.tlalign.model.servable;

import java.util.Arrays;
import org.apache.flink.ml.param.Param;
import org.apache.flink.ml.param.WithParams;

/**
 * The base of every tlalign Params interface: Flink ML's {@link WithParams} with an error message
 * that names the parameter, the refused value and what would be accepted.
 */
public interface TlAlignParams<T> extends WithParams<T> {

  @Override
  default <V> T set(Param<V> param, V value) {
    if (param.validator instanceof ParamRule<V> rule && !rule.validate(value)) {
      throw new IllegalArgumentException(
          "Parameter "
              + param.name
              + " is given an invalid value "
              + (value instanceof String
                  ? "\"" + value + "\""
                  : value instanceof Object[] a ? Arrays.toString(a) : String.valueOf(value))
              + "; it must be "
              + rule.expectation());
    }
    return WithParams.super.set(param, value);
  }
}
