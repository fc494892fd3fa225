package io.tlalign.model.vit;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.tlalign.model.EngineSetup;
import java.util.Objects;

/**
 * A {@link VisionTransformer} with its parameters: owns the long-lived {@link NDManager} that holds
 * them on one device, and hands out per-step child managers for everything else.
 *
 * <p>Parameters are initialised from {@code seed} by {@link ParameterInit}, so two models built
 * with the same preset and seed are bit-identical on any machine. Close the model to free them.
 */
public final class VitModel implements AutoCloseable {

  private final VitConfig config;
  private final long seed;
  private final NDManager manager;
  private final VisionTransformer network;
  private final PairList<String, Parameter> parameters;

  private VitModel(VitConfig config, long seed, NDManager manager, VisionTransformer network) {
    this.config = config;
    this.seed = seed;
    this.manager = manager;
    this.network = network;
    this.parameters = network.getParameters();
  }

  /**
   * Builds and initialises a model on {@code device}. Starts the engine with defaults where {@link
   * EngineSetup#start} has not run yet.
   */
  public static VitModel create(VitConfig config, long seed, Device device) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(device, "device");
    Engine engine =
        EngineSetup.startedWith() == null
            ? EngineSetup.start()
            : Engine.getEngine(EngineSetup.ENGINE_NAME);
    NDManager manager = engine.newBaseManager(device);
    manager.setName("vit-" + config.name() + "-parameters");
    try {
      VisionTransformer network = new VisionTransformer(config);
      ParameterInit.assign(network, seed);
      network.initialize(manager, DataType.FLOAT32, network.inputShape(1));
      return new VitModel(config, seed, manager, network);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  public VitConfig config() {
    return config;
  }

  public long seed() {
    return seed;
  }

  public Device device() {
    return manager.getDevice();
  }

  public VisionTransformer network() {
    return network;
  }

  /** Parameters by full name, in DJL's fixed order (the order of saved state). */
  public PairList<String, Parameter> parameters() {
    return parameters;
  }

  /** Total number of parameter elements. */
  public long parameterCount() {
    long n = 0;
    for (Pair<String, Parameter> p : parameters) {
      n += p.getValue().getArray().getShape().size();
    }
    return n;
  }

  /**
   * A new manager for one step's arrays, a child of the parameters' manager on the same device.
   * Close it (try-with-resources) when the step is done.
   */
  public NDManager newStepManager() {
    return manager.newSubManager();
  }

  /**
   * One forward pass.
   *
   * @param images [B, C, H, W] on this model's device
   * @param training true inside a gradient collector
   * @return logits [B, K], then the L head-averaged attention maps [B, N, N]; owned by the images'
   *     manager
   */
  public NDList forward(NDArray images, boolean training) {
    ParameterStore ps = new ParameterStore(manager, false);
    return network.forward(ps, new NDList(images), training, null);
  }

  @Override
  public void close() {
    manager.close();
  }
}
