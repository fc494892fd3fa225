package io.tlalign.model.state;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named float32 tensor in host memory: a model parameter or an optimizer moment.
 *
 * <p>{@code data} holds the elements in row-major order and must have exactly the product of {@code
 * shape} elements (a rank-0 shape holds one). The shape is copied; the data array is not, because
 * parameters of the larger presets run to hundreds of megabytes: the record takes ownership of the
 * array, and callers must not modify it afterwards.
 *
 * <p>Equality is bitwise: two tensors are equal when their names, shapes and the raw IEEE-754 bits
 * of every element agree, so NaN payloads and {@code -0.0f} count, as they must for a bit-exact
 * restore.
 *
 * @param name the parameter name, as in the model's parameter list
 * @param shape the dimensions, each {@code >= 0}
 * @param data the elements, row-major
 */
public record NamedTensor(String name, long[] shape, float[] data) {

  /** The most elements one tensor may hold: the largest Java array the JVMs we run allocate. */
  public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  public NamedTensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    if (name.isBlank()) {
      throw new IllegalArgumentException(
          "tensor name is blank; give every tensor its parameter name");
    }
    shape = shape.clone();
    long count = elementCount(shape);
    if (data.length != count) {
      throw new IllegalArgumentException(
          "tensor '"
              + name
              + "' has shape "
              + Arrays.toString(shape)
              + " ("
              + count
              + " elements) but "
              + data.length
              + " data values; pass exactly one value per element");
    }
  }

  /**
   * The number of elements of a tensor of this shape.
   *
   * @throws IllegalArgumentException if a dimension is negative or the count exceeds {@link
   *     #MAX_ELEMENTS}
   */
  public static long elementCount(long[] shape) {
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " has a negative dimension " + d);
      }
      if (d != 0 && count > MAX_ELEMENTS / d) {
        throw new IllegalArgumentException(
            "shape "
                + Arrays.toString(shape)
                + " has more than "
                + MAX_ELEMENTS
                + " elements; split the tensor");
      }
      count *= d;
    }
    return count;
  }

  /** A copy of the shape. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** The number of elements, {@code data().length}. */
  public int size() {
    return data.length;
  }

  /** Whether {@code other} has the same name and shape (its data may differ). */
  public boolean sameLayout(NamedTensor other) {
    return name.equals(other.name) && Arrays.equals(shape, other.shape);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof NamedTensor other)) {
      return false;
    }
    if (!sameLayout(other)) {
      return false;
    }
    for (int i = 0; i < data.length; i++) {
      if (Float.floatToRawIntBits(data[i]) != Float.floatToRawIntBits(other.data[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 31 * name.hashCode() + Arrays.hashCode(shape);
    for (float f : data) {
      h = 31 * h + Float.floatToRawIntBits(f);
    }
    return h;
  }

  @Override
  public String toString() {
    return "NamedTensor[" + name + " " + Arrays.toString(shape) + "]";
  }
}
