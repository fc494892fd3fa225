package io.tlalign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Arrays whose memory PyTorch owns, for everything that may enter an autograd graph.
 *
 * <p>Why: on the CPU, DJL's {@code NDManager.create(float[])} wraps a Java direct ByteBuffer with
 * {@code torch::from_blob}; the tensor does not own that memory, only the Java wrapper keeps the
 * buffer alive, and closing the wrapper lets the next GC free it even while a view or the autograd
 * graph still reads it. DJL's {@code mul(Number)}-style ops build exactly such a scalar and close
 * it right after the op, so a scalar saved for the backward pass is read from freed memory if a GC
 * runs between forward and backward. That made gradients garbage (NaN, 1e-21, ...) under GC
 * pressure; see NAN_INVESTIGATION.md. A tensor made here is a PyTorch-owned copy, kept alive by
 * PyTorch's own reference counting for as long as anything uses it.
 */
public final class NativeArrays {

  private NativeArrays() {}

  /** A PyTorch-owned float32 copy of {@code data} with {@code shape}, owned by {@code manager}. */
  public static NDArray copyOf(NDManager manager, float[] data, Shape shape) {
    try (NDArray borrowed = manager.create(data, shape)) {
      return borrowed.duplicate();
    }
  }

  /** A PyTorch-owned float32 scalar (shape []), owned by {@code manager}. */
  public static NDArray scalar(NDManager manager, float value) {
    return manager.full(new Shape(), value, DataType.FLOAT32);
  }
}
