package io.tlalign.model.vit;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The transformer's position-wise feed-forward network: Linear, GELU (exact, erf form), Linear.
 *
 * <p>Shapes: B batch, N tokens, D width, F = round(mlpRatio * D) hidden width.
 *
 * <ul>
 *   <li>input: x [B, N, D]
 *   <li>parameters: fc1.weight [F, D], fc1.bias [F], fc2.weight [D, F], fc2.bias [D]
 *   <li>output: [B, N, D]
 * </ul>
 */
public final class Mlp extends AbstractBlock {

  private final int hidden;
  private final Linear fc1;
  private final Linear fc2;

  public Mlp(VitConfig config) {
    this.hidden = config.mlpHiddenDim();
    this.fc1 = addChildBlock("fc1", Linear.builder().setUnits(hidden).build());
    this.fc2 = addChildBlock("fc2", Linear.builder().setUnits(config.embedDim()).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList h = Activation.gelu(fc1.forward(ps, inputs, training, params)); // [B, N, F]
    return fc2.forward(ps, h, training, params); // [B, N, D]
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    fc1.initialize(manager, dataType, x);
    fc2.initialize(manager, dataType, new Shape(x.get(0), x.get(1), hidden));
  }
}
