package io.tlalign.model.vit;

/**
 * Floating-point operations of a ViT, counted from its shape: the matrix products (patch
 * projection, qkv, the two attention products, output projection, both MLP layers, head), at 2
 * FLOPs per multiply-add. Normalisation, softmax, GELU and the optimizer are left out (they are a
 * few percent of the total). A training step is counted as 3 forward passes (the forward, and a
 * backward that computes gradients with respect to both inputs and weights), the usual convention.
 *
 * <p>Check: DeiT-Ti comes to 1.25 G multiply-adds per 224x224 image, the paper's "1.3 GFLOPs"
 * (Touvron et al., ICML 2021, Table 1, which counts multiply-adds).
 */
public final class VitFlops {

  private VitFlops() {}

  /** Multiply-adds of one forward pass of one image. */
  public static long forwardMultiplyAdds(VitConfig c) {
    long n = c.numTokens(); // N tokens, class token included
    long d = c.embedDim();
    long patchArea = (long) c.patchSize() * c.patchSize() * c.channels();
    long patches = (long) c.numPatches() * patchArea * d; // [P, p*p*C] x [p*p*C, D]
    long qkv = n * d * 3 * d; // [N, D] x [D, 3D]
    long attention = 2 * n * n * d; // Q K^T and P V over all heads: H x N x N x d each
    long proj = n * d * d;
    long mlp = 2 * n * d * c.mlpHiddenDim();
    long head = d * c.numClasses(); // one pooled token
    return patches + c.depth() * (qkv + attention + proj + mlp) + head;
  }

  /** FLOPs of one forward pass of one image (2 per multiply-add). */
  public static long forwardFlops(VitConfig c) {
    return 2 * forwardMultiplyAdds(c);
  }

  /** FLOPs of one training step per image: 3 forward passes. */
  public static long trainingFlopsPerImage(VitConfig c) {
    return 3 * forwardFlops(c);
  }
}
