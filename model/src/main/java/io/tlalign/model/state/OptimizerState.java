package io.tlalign.model.state;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What an Adam-family optimizer carries between steps: its step count and, per trainable parameter,
 * the first and second moment estimates.
 *
 * <p>Both moment lists are in parameter order and hold the same names and shapes pairwise. Before
 * the first step they are empty. The lists are copied; the tensors' data arrays are not (see {@link
 * NamedTensor}).
 *
 * @param stepCount the number of updates applied so far, {@code >= 0}
 * @param firstMoments the exponential moving averages of the gradients
 * @param secondMoments the exponential moving averages of the squared gradients
 */
public record OptimizerState(
    long stepCount, List<NamedTensor> firstMoments, List<NamedTensor> secondMoments) {

  public OptimizerState {
    if (stepCount < 0) {
      throw new IllegalArgumentException(
          "optimizer step count is " + stepCount + "; it counts updates and cannot be negative");
    }
    firstMoments = List.copyOf(Objects.requireNonNull(firstMoments, "firstMoments"));
    secondMoments = List.copyOf(Objects.requireNonNull(secondMoments, "secondMoments"));
    if (firstMoments.size() != secondMoments.size()) {
      throw new IllegalArgumentException(
          "optimizer state has "
              + firstMoments.size()
              + " first moments but "
              + secondMoments.size()
              + " second moments; both need one entry per trainable parameter");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < firstMoments.size(); i++) {
      NamedTensor m = firstMoments.get(i);
      NamedTensor v = secondMoments.get(i);
      if (!m.sameLayout(v)) {
        throw new IllegalArgumentException(
            "optimizer moment "
                + i
                + ": first moment "
                + m
                + " and second moment "
                + v
                + " differ in name or shape; both lists must follow the parameter order");
      }
      if (!seen.add(m.name())) {
        throw new IllegalArgumentException(
            "optimizer state names parameter '" + m.name() + "' twice; names must be unique");
      }
    }
  }

  /** The state of an optimizer that has not stepped yet. */
  public static OptimizerState initial() {
    return new OptimizerState(0, List.of(), List.of());
  }
}
