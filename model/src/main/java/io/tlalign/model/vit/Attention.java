package io.tlalign.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.tlalign.model.NativeArrays;

/**
 * Multi-head self-attention (Vaswani et al., 2017) as in ViT: one qkv projection, {@code softmax(Q
 * K^T / sqrt(d))} per head, the heads' outputs concatenated and projected.
 *
 * <p>Besides its output, the block returns the attention probabilities averaged over heads and
 * detached from the graph: the TL-Align label path (Xiao et al., ICCV 2023) propagates token labels
 * with them, and a target must not pull gradients into the attention that produced it.
 *
 * <p>Shapes: B batch, N tokens, D width, H heads, d = D/H head width.
 *
 * <ul>
 *   <li>input: x [B, N, D]
 *   <li>parameters: qkv.weight [3D, D], qkv.bias [3D], proj.weight [D, D], proj.bias [D]
 *   <li>output 0: attended tokens [B, N, D]
 *   <li>output 1: mean over heads of the softmax probabilities [B, N, N], rows sum to 1, no
 *       gradient
 * </ul>
 */
public final class Attention extends AbstractBlock {

  private final int dim;
  private final int numHeads;
  private final int headDim;
  private final float scale;
  private final Linear qkv;
  private final Linear proj;

  public Attention(VitConfig config) {
    this.dim = config.embedDim();
    this.numHeads = config.numHeads();
    this.headDim = config.headDim();
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.qkv =
        addChildBlock("qkv", Linear.builder().setUnits(3L * dim).optBias(config.qkvBias()).build());
    this.proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // [B, N, D]
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    NDArray packed = qkv.forward(ps, inputs, training, params).singletonOrThrow(); // [B, N, 3D]
    NDArray heads =
        packed
            .reshape(b, n, 3, numHeads, headDim) // [B, N, 3, H, d]
            .transpose(2, 0, 3, 1, 4); // [3, B, H, N, d]
    // Pre-scaled as in timm. The scale is a PyTorch-owned tensor: mul(float) would save a scalar
    // in Java-owned memory for the backward pass (see NativeArrays).
    NDArray q = heads.get(0).mul(NativeArrays.scalar(x.getManager(), scale)); // [B, H, N, d]
    NDArray k = heads.get(1); // [B, H, N, d]
    NDArray v = heads.get(2); // [B, H, N, d]
    NDArray probs = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // [B, H, N, N]
    NDArray meanProbs = probs.mean(new int[] {1}).stopGradient(); // [B, N, N]
    NDArray merged =
        probs
            .matMul(v) // [B, H, N, d]
            .transpose(0, 2, 1, 3) // [B, N, H, d]
            .reshape(b, n, dim); // [B, N, D], heads concatenated
    NDArray out = proj.forward(ps, new NDList(merged), training, params).singletonOrThrow();
    return new NDList(out, meanProbs);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape x = inputShapes[0];
    return new Shape[] {x, new Shape(x.get(0), x.get(1), x.get(1))};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    qkv.initialize(manager, dataType, x);
    proj.initialize(manager, dataType, x);
  }
}
