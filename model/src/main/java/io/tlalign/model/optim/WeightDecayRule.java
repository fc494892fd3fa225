package io.tlalign.model.optim;

import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Which parameters {@link AdamW} decays: the convention of timm's {@code param_groups_weight_decay}
 * and of DeiT. Weight matrices and convolution kernels are decayed; biases, normalisation scales
 * and shifts (every parameter of rank 1 or less), and the learned class token and position
 * embedding are not, since shrinking them toward zero only biases the model.
 */
public final class WeightDecayRule {

  /** Name fragments of parameters that are never decayed, whatever their rank. */
  public static final List<String> NO_DECAY_NAME_PARTS =
      List.of("cls_token", "pos_embed", "clsToken", "posEmbed");

  private WeightDecayRule() {}

  /** Whether the parameter {@code name} of shape {@code shape} gets weight decay. */
  public static boolean decays(String name, Shape shape) {
    if (shape.dimension() <= 1) {
      return false;
    }
    for (String part : NO_DECAY_NAME_PARTS) {
      if (name.contains(part)) {
        return false;
      }
    }
    return true;
  }
}
