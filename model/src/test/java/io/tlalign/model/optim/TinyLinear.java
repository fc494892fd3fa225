package io.tlalign.model.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One DJL {@link Linear} layer (weight [OUT, IN], bias [OUT]) inside a {@link SequentialBlock},
 * with fixed initial values and the loss {@code 0.5 * sum((x W^T + b - target)^2)}, whose gradient
 * a test can also compute by hand: {@code dW = r^T x}, {@code db = sum_rows r}, {@code r = y - t}.
 */
final class TinyLinear implements AutoCloseable {

  static final int IN = 3;
  static final int OUT = 2;
  static final int BATCH = 4;

  final NDManager manager;
  final SequentialBlock block;

  TinyLinear() {
    // Through EngineSetup, so that the engine (and its BLAS path) is set up as in every other test.
    io.tlalign.model.TestEngine.start();
    manager = NDManager.newBaseManager("PyTorch");
    block = new SequentialBlock().add(Linear.builder().setUnits(OUT).build());
    block.initialize(manager, DataType.FLOAT32, new Shape(BATCH, IN));
    setWeights(initialWeight(), initialBias());
  }

  PairList<String, Parameter> parameters() {
    return block.getParameters();
  }

  Parameter weight() {
    return parameters().get(0).getValue();
  }

  Parameter bias() {
    return parameters().get(1).getValue();
  }

  void setWeights(float[] weight, float[] bias) {
    weight().getArray().set(weight);
    bias().getArray().set(bias);
  }

  /** Forward and backward on step {@code step}'s fixed batch; gradients are zeroed first. */
  void forwardBackward(int step) {
    AdamW.zeroGradients(parameters());
    try (NDManager scope = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray x = scope.create(input(step), new Shape(BATCH, IN));
      NDArray t = scope.create(target(step), new Shape(BATCH, OUT));
      NDArray y =
          block.forward(new ParameterStore(scope, false), new NDList(x), true).singletonOrThrow();
      NDArray loss = y.sub(t).square().sum().mul(0.5f);
      collector.backward(loss);
    }
  }

  static float[] initialWeight() {
    return new float[] {0.5f, -0.25f, 0.125f, -0.75f, 0.3f, 0.9f};
  }

  static float[] initialBias() {
    return new float[] {0.1f, -0.2f};
  }

  /** A fixed input batch [BATCH, IN] that changes with the step. */
  static float[] input(int step) {
    float[] x = new float[BATCH * IN];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(0.7 * i + 1.3 * step + 0.4);
    }
    return x;
  }

  /** A fixed target [BATCH, OUT] that changes with the step. */
  static float[] target(int step) {
    float[] t = new float[BATCH * OUT];
    for (int i = 0; i < t.length; i++) {
      t[i] = (float) Math.cos(0.9 * i - 0.6 * step);
    }
    return t;
  }

  @Override
  public void close() {
    manager.close();
  }
}
