package io.tlalign.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Cuts an image into non-overlapping p x p patches and projects each to D channels: a convolution
 * with kernel = stride = p, then the grid flattened in row-major order (patch (r, c) becomes token
 * {@code r * gridWidth + c}), as in ViT (Dosovitskiy et al., ICLR 2021) and timm's {@code
 * PatchEmbed}.
 *
 * <p>Shapes: B batch, C channels, H x W image, p patch side, P = (H/p)(W/p) patches, D width.
 *
 * <ul>
 *   <li>input: images [B, C, H, W]
 *   <li>parameters: proj.weight [D, C, p, p], proj.bias [D]
 *   <li>output: patch tokens [B, P, D]
 * </ul>
 */
public final class PatchEmbed extends AbstractBlock {

  private final int embedDim;
  private final int numPatches;
  private final Conv2d proj;

  public PatchEmbed(VitConfig config) {
    this.embedDim = config.embedDim();
    this.numPatches = config.numPatches();
    Shape kernel = new Shape(config.patchSize(), config.patchSize());
    this.proj =
        addChildBlock(
            "proj",
            Conv2d.builder()
                .setKernelShape(kernel)
                .optStride(kernel)
                .setFilters(config.embedDim())
                .build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray grid =
        proj.forward(ps, inputs, training, params).singletonOrThrow(); // [B, D, H/p, W/p]
    long b = grid.getShape().get(0);
    NDArray flat = grid.reshape(b, embedDim, numPatches); // [B, D, P], row-major over the grid
    return new NDList(flat.transpose(0, 2, 1)); // [B, P, D]
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), numPatches, embedDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    proj.initialize(manager, dataType, inputShapes[0]);
  }
}
