package io.tlalign.model.label;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import io.tlalign.alignment.Pooling;
import java.util.List;

/**
 * The TL-Align label path on the model's device (Xiao et al., ICCV 2023, arXiv 2210.06455): token
 * source weights carried through every block by {@code T <- (M T + T) / 2}, with M the block's
 * head-averaged, detached attention, then read out at the class token (or the token mean).
 *
 * <p>Every token mixes the same two source labels and the rule is linear and row-stochastic, so
 * carrying S = 2 weights per token gives exactly the K-class target of the published code at a cost
 * of B*N*N*2 per block; no B*N*N*K tensor is ever formed. The double-precision reference is {@link
 * io.tlalign.alignment.TokenLabelAlignment}.
 *
 * <p>Shapes: B batch, N tokens, L blocks, S = 2 sources (index 0 = A, the sample itself; 1 = B, its
 * partner).
 */
public final class LabelPropagation {

  private LabelPropagation() {}

  /**
   * Weights after every block.
   *
   * @param initial [B, N, 2] weights before the first block
   * @param meanAttention L arrays [B, N, N], the head-averaged attention of each block
   * @return L arrays [B, N, 2]; entry l holds the weights after block l. Owned by the manager of
   *     {@code initial}.
   */
  public static NDList propagate(NDArray initial, List<NDArray> meanAttention) {
    NDList out = new NDList(meanAttention.size());
    NDArray t = initial; // [B, N, 2]
    for (NDArray m : meanAttention) {
      // (M @ T + T) / 2: the attention branch mixes tokens, the skip connection keeps them.
      NDArray next = t.add(m.matMul(t)).mul(0.5f); // [B, N, N] @ [B, N, 2] -> [B, N, 2]
      out.add(next);
      t = next;
    }
    return out;
  }

  /**
   * The weights after the last block only.
   *
   * @return [B, N, 2]
   */
  public static NDArray propagateToLast(NDArray initial, List<NDArray> meanAttention) {
    NDList all = propagate(initial, meanAttention);
    return all.isEmpty() ? initial : all.get(all.size() - 1);
  }

  /**
   * Reads the target weights out of the last block's weights: token 0 for {@link Pooling#CLS}, the
   * mean over tokens for {@link Pooling#MEAN}.
   *
   * @param weights [B, N, 2]
   * @return [B, 2]
   */
  public static NDArray readOut(NDArray weights, Pooling pooling) {
    return switch (pooling) {
      case CLS -> weights.get(new NDIndex(":, 0")); // [B, 2]
      case MEAN -> weights.mean(new int[] {1}); // [B, 2]
    };
  }

  /** Propagation followed by the read-out: [B, N, 2] and L x [B, N, N] to [B, 2]. */
  public static NDArray finalWeights(
      NDArray initial, List<NDArray> meanAttention, Pooling pooling) {
    return readOut(propagateToLast(initial, meanAttention), pooling);
  }
}
