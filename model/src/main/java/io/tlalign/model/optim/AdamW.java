package io.tlalign.model.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay Regularization",
 * ICLR 2019), with its state in the open so that checkpoints capture it.
 *
 * <p>For every trainable parameter {@code p} with gradient {@code g}, step {@code t} (1-based) and
 * learning rate {@code lr = schedule(t)}:
 *
 * <pre>
 * m = b1 m + (1 - b1) g
 * v = b2 v + (1 - b2) g^2
 * p = p - lr (m / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps) + wd p)
 * </pre>
 *
 * <p>with {@code wd = weightDecay} where {@link WeightDecayRule#decays} says so and 0 elsewhere. A
 * parameter that got no gradient is updated with a zero gradient (DJL's convention).
 *
 * <p>Memory: the moments live in native arrays of an {@link NDManager} this object owns, created on
 * the parameter's device on first use, freed by {@link #close()}. Every temporary of an update
 * lives in a manager scoped to that one parameter and is freed before the next parameter, so a step
 * neither grows native memory nor leaves arrays in the model's manager.
 *
 * <p>Autograd: the parameters are leaves that require gradients, and PyTorch refuses in-place
 * operations on those while grad mode is on. Grad mode is thread-local in PyTorch (so a Flink task
 * thread may have it on even though DJL turns it off on the thread that loads the engine); updates
 * therefore run with grad mode explicitly off, and the previous mode is restored afterwards. This
 * is what DJL's own native {@code adamUpdate} does.
 *
 * <p>Gradients are not zeroed by {@link #step}; PyTorch accumulates them across backward passes, so
 * call {@link #zeroGradients} before the next forward pass. Not thread-safe: one instance belongs
 * to one training subtask.
 */
public final class AdamW implements AutoCloseable {

  /** Added to the norm in the clipping scale, as in {@code torch.nn.utils.clip_grad_norm_}. */
  public static final double CLIP_EPSILON = 1e-6;

  private final AdamWConfig config;
  private final LearningRateSchedule schedule;
  private final NDManager manager;
  private final Map<Device, NDManager> deviceManagers = new HashMap<>();
  private final LinkedHashMap<String, Moments> moments = new LinkedHashMap<>();
  private long stepCount;
  private boolean closed;

  private record Moments(NDArray first, NDArray second) {}

  public AdamW(AdamWConfig config) {
    this.config = config;
    this.schedule = new LearningRateSchedule(config);
    if (EngineSetup.startedWith() == null) {
      EngineSetup.start(); // libtorch is loaded through EngineSetup only (see BlasPath)
    }
    this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    this.manager.setName("adamw");
  }

  public AdamWConfig config() {
    return config;
  }

  public LearningRateSchedule schedule() {
    return schedule;
  }

  /** The number of updates applied so far (restored by {@link #restore}). */
  public long stepCount() {
    return stepCount;
  }

  /**
   * Computes the global L2 norm of the gradients of all trainable parameters and, if clipping is
   * enabled and the norm exceeds {@code maxGradNorm}, scales every gradient in place by {@code
   * maxGradNorm / (norm + 1e-6)}.
   *
   * <p>The norm is reproducible: each gradient's sum of squares is reduced in float64 on its
   * device, and the sums are added in the order of {@code params}.
   *
   * @return the norm before clipping; a non-finite norm is returned without scaling anything, and
   *     the caller should refuse the step
   */
  public double clipGradients(PairList<String, Parameter> params) {
    checkOpen();
    double sumOfSquares = 0;
    for (Pair<String, Parameter> pair : params) {
      NDArray array = trainableArray(pair.getValue());
      if (array == null || !array.hasGradient()) {
        continue;
      }
      try (NDManager scope = manager.newSubManager(array.getDevice())) {
        NDArray grad = array.getGradient();
        grad.attach(scope);
        sumOfSquares += grad.toType(DataType.FLOAT64, false).square().sum().getDouble();
      }
    }
    double norm = Math.sqrt(sumOfSquares);
    if (!Double.isFinite(norm) || !config.clippingEnabled() || norm <= config.maxGradNorm()) {
      return norm;
    }
    float scale = (float) (config.maxGradNorm() / (norm + CLIP_EPSILON));
    withGradModeOff(
        () -> {
          for (Pair<String, Parameter> pair : params) {
            NDArray array = trainableArray(pair.getValue());
            if (array == null || !array.hasGradient()) {
              continue;
            }
            try (NDManager scope = manager.newSubManager(array.getDevice())) {
              NDArray grad = array.getGradient();
              grad.attach(scope);
              grad.muli(scale);
            }
          }
        });
    return norm;
  }

  /**
   * Applies one update to every parameter that requires a gradient, in place, and counts the step.
   * Everything is checked before the first parameter changes.
   *
   * @return the learning rate used
   * @throws IllegalArgumentException if a parameter is not float32, is uninitialised, is named
   *     twice, or does not match the shape of its moments
   */
  public double step(PairList<String, Parameter> params) {
    checkOpen();
    List<Trainable> trainables = trainables(params);
    long t = stepCount + 1;
    double lr = schedule.learningRate(t);
    double bias1 = 1 - Math.pow(config.beta1(), t);
    double bias2 = 1 - Math.pow(config.beta2(), t);
    withGradModeOff(
        () -> {
          for (Trainable p : trainables) {
            update(p, momentsOf(p), lr, bias1, bias2);
          }
        });
    stepCount = t;
    return lr;
  }

  private void update(Trainable p, Moments mv, double lr, double bias1, double bias2) {
    NDArray weight = p.array;
    NDArray m = mv.first;
    NDArray v = mv.second;
    try (NDManager scope = manager.newSubManager(weight.getDevice())) {
      // Every result of an op lands in its first operand's manager: with the three long-lived
      // arrays attached to the scope for now, all temporaries do too, and die with it.
      scope.tempAttachAll(weight, m, v);
      NDArray g = weight.getGradient(); // [shape], a view of the accumulated gradient
      m.muli((float) config.beta1()).addi(g.mul((float) (1 - config.beta1())));
      v.muli((float) config.beta2()).addi(g.square().muli((float) (1 - config.beta2())));
      NDArray denominator = v.div((float) bias2).sqrt().addi((float) config.epsilon());
      NDArray direction = m.div((float) bias1).divi(denominator);
      if (p.decays && config.weightDecay() != 0) {
        direction.addi(weight.mul((float) config.weightDecay()));
      }
      weight.subi(direction.muli((float) lr));
    }
  }

  /**
   * The optimizer state, copied to host memory: the step count and, per trainable parameter in the
   * order they were first stepped, both moments.
   */
  public OptimizerState snapshot() {
    checkOpen();
    List<NamedTensor> first = new ArrayList<>(moments.size());
    List<NamedTensor> second = new ArrayList<>(moments.size());
    for (Map.Entry<String, Moments> e : moments.entrySet()) {
      long[] shape = e.getValue().first.getShape().getShape();
      first.add(new NamedTensor(e.getKey(), shape, e.getValue().first.toFloatArray()));
      second.add(new NamedTensor(e.getKey(), shape, e.getValue().second.toFloatArray()));
    }
    return new OptimizerState(stepCount, first, second);
  }

  /**
   * Replaces this optimizer's state with {@code state}, after checking it against {@code params}
   * (the model the state will continue to train): either no moments at step count 0, or moments for
   * exactly the trainable parameters, in their order, with their shapes. Nothing is changed if a
   * check fails.
   *
   * @throws IllegalArgumentException naming the first mismatch
   */
  public void restore(OptimizerState state, PairList<String, Parameter> params) {
    checkOpen();
    List<Trainable> trainables = trainables(params);
    List<NamedTensor> first = state.firstMoments();
    if (first.isEmpty()) {
      if (state.stepCount() != 0 && !trainables.isEmpty()) {
        throw new IllegalArgumentException(
            "optimizer state is at step "
                + state.stepCount()
                + " but holds no moments for the "
                + trainables.size()
                + " trainable parameters; it was not written by this optimizer");
      }
    } else {
      List<String> expected = trainables.stream().map(p -> p.name).toList();
      List<String> got = first.stream().map(NamedTensor::name).toList();
      if (!expected.equals(got)) {
        throw new IllegalArgumentException(
            "optimizer state holds moments for "
                + describeDifference(expected, got)
                + "; restore it only into the model it was saved from");
      }
      for (int i = 0; i < first.size(); i++) {
        long[] expectedShape = trainables.get(i).array.getShape().getShape();
        if (!Arrays.equals(expectedShape, first.get(i).shape())) {
          throw new IllegalArgumentException(
              "optimizer moment '"
                  + first.get(i).name()
                  + "' has shape "
                  + Arrays.toString(first.get(i).shape())
                  + " but the parameter has shape "
                  + Arrays.toString(expectedShape)
                  + "; restore it only into the model preset it was saved from");
        }
      }
    }
    clearMoments();
    for (int i = 0; i < first.size(); i++) {
      Trainable p = trainables.get(i);
      NDManager owner = deviceManager(p.array.getDevice());
      Shape shape = p.array.getShape();
      moments.put(
          p.name,
          new Moments(
              owner.create(first.get(i).data(), shape),
              owner.create(state.secondMoments().get(i).data(), shape)));
    }
    stepCount = state.stepCount();
  }

  /**
   * Sets the gradients of all trainable parameters to zero, including non-finite ones (unlike
   * {@code g -= g}, which keeps NaN). Call before each forward pass: PyTorch accumulates gradients.
   */
  public static void zeroGradients(PairList<String, Parameter> params) {
    for (Pair<String, Parameter> pair : params) {
      NDArray array = trainableArray(pair.getValue());
      if (array != null && array.hasGradient()) {
        JniUtils.zeroGrad((PtNDArray) array);
      }
    }
  }

  /** The native arrays this optimizer holds (two per trainable parameter); for leak tests. */
  int nativeArrayCount() {
    return manager.getManagedArrays().size();
  }

  /** Frees the moments. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      moments.clear();
      deviceManagers.clear();
      manager.close();
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  private record Trainable(String name, NDArray array, boolean decays) {}

  private static NDArray trainableArray(Parameter p) {
    return p.requiresGradient() && p.isInitialized() ? p.getArray() : null;
  }

  /** The trainable parameters in order, each checked; nothing is changed here. */
  private List<Trainable> trainables(PairList<String, Parameter> params) {
    List<Trainable> list = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Pair<String, Parameter> pair : params) {
      String name = pair.getKey();
      Parameter p = pair.getValue();
      if (!p.requiresGradient()) {
        continue;
      }
      if (!p.isInitialized()) {
        throw new IllegalArgumentException(
            "parameter '" + name + "' is not initialised; initialise the block before stepping");
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(
            "parameter '" + name + "' appears twice; pass each parameter once");
      }
      NDArray array = p.getArray();
      if (array.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(
            "parameter '"
                + name
                + "' is "
                + array.getDataType()
                + "; AdamW keeps float32 parameters only");
      }
      Moments mv = moments.get(name);
      if (mv != null && !mv.first.getShape().equals(array.getShape())) {
        throw new IllegalArgumentException(
            "parameter '"
                + name
                + "' has shape "
                + array.getShape()
                + " but its moments have shape "
                + mv.first.getShape()
                + "; the model changed under the optimizer");
      }
      list.add(new Trainable(name, array, WeightDecayRule.decays(name, array.getShape())));
    }
    return list;
  }

  private Moments momentsOf(Trainable p) {
    return moments.computeIfAbsent(
        p.name,
        name -> {
          NDManager owner = deviceManager(p.array.getDevice());
          Shape shape = p.array.getShape();
          return new Moments(
              owner.zeros(shape, DataType.FLOAT32), owner.zeros(shape, DataType.FLOAT32));
        });
  }

  private NDManager deviceManager(Device device) {
    return deviceManagers.computeIfAbsent(device, d -> manager.newSubManager(d));
  }

  private void clearMoments() {
    for (Moments mv : moments.values()) {
      mv.first.close();
      mv.second.close();
    }
    moments.clear();
  }

  private static void withGradModeOff(Runnable work) {
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      work.run();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }

  private static String describeDifference(List<String> expected, List<String> got) {
    Set<String> missing = new LinkedHashSet<>(expected);
    got.forEach(missing::remove);
    Set<String> extra = new LinkedHashSet<>(got);
    expected.forEach(extra::remove);
    if (missing.isEmpty() && extra.isEmpty()) {
      return "the right parameters in another order " + got + " (model order " + expected + ")";
    }
    return got.size()
        + " parameters where the model has "
        + expected.size()
        + " trainable ones; missing "
        + missing
        + ", unknown "
        + extra;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("AdamW is closed");
    }
  }
}
