package io.tlalign.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm transformer block, as in timm's {@code Block}:
 *
 * <pre>
 *   x = x + attn(norm1(x))
 *   x = x + mlp(norm2(x))
 * </pre>
 *
 * <p>Shapes: B batch, N tokens, D width.
 *
 * <ul>
 *   <li>input: x [B, N, D]
 *   <li>parameters: norm1 (gamma, beta [D]), attn ({@link Attention}), norm2, mlp ({@link Mlp})
 *   <li>output 0: x [B, N, D]
 *   <li>output 1: the attention's head-averaged probabilities [B, N, N], detached
 * </ul>
 */
public final class Block extends AbstractBlock {

  private final LayerNorm norm1;
  private final Attention attn;
  private final LayerNorm norm2;
  private final Mlp mlp;

  public Block(VitConfig config) {
    this.norm1 = addChildBlock("norm1", layerNorm(config));
    this.attn = addChildBlock("attn", new Attention(config));
    this.norm2 = addChildBlock("norm2", layerNorm(config));
    this.mlp = addChildBlock("mlp", new Mlp(config));
  }

  /** LayerNorm over the last (channel) axis of [B, N, D]. */
  static LayerNorm layerNorm(VitConfig config) {
    return LayerNorm.builder().axis(2).optEpsilon(config.layerNormEpsilon()).build();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // [B, N, D]
    NDList attended =
        attn.forward(
            ps,
            norm1.forward(ps, inputs, training, params),
            training,
            params); // [B, N, D], [B, N, N]
    x = x.add(attended.get(0));
    NDArray mixed =
        mlp.forward(ps, norm2.forward(ps, new NDList(x), training, params), training, params)
            .singletonOrThrow(); // [B, N, D]
    return new NDList(x.add(mixed), attended.get(1));
  }

  /** The residual keeps x's shape: the block's outputs are shaped as its attention's. */
  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return attn.getOutputShapes(inputShapes);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    norm1.initialize(manager, dataType, x);
    attn.initialize(manager, dataType, x);
    norm2.initialize(manager, dataType, x);
    mlp.initialize(manager, dataType, x);
  }
}
