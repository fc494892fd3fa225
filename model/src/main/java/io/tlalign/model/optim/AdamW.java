package io.tlalign.model.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import java.util.function.Consumer;

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
 * <p>Layout: the moments live in flat buffers, one pair per group of parameters that share a device
 * and a weight-decay choice (as PyTorch's parameter groups), each parameter a slice at a fixed
 * offset, in the order the parameters were first stepped. A step then runs the update as a few ops
 * over each group's buffers (the gradients and, for decayed groups, the weights concatenated), and
 * one subtraction per parameter, instead of about ten small ops per parameter (the idea of
 * PyTorch's {@code _multi_tensor_adamw}). Every element goes through the same float32 operations in
 * the same order as the per-parameter update, so the results are bit-identical to it; a call whose
 * parameters do not match the groups (one left out, one added later) takes that per-parameter path
 * on views of the buffers. {@link #snapshot} and {@link #restore} read and write per-parameter
 * moments, so the state format does not depend on the layout.
 *
 * <p>Memory: the buffers are native arrays of an {@link NDManager} this object owns, created on the
 * parameter's device on first use, freed by {@link #close()}. Every temporary of an update lives in
 * a manager scoped to one group (or one parameter) and is freed before the next, so a step neither
 * grows native memory nor leaves arrays in the model's manager.
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

  /**
   * Most elements in one group (512 KB of float32), unless one parameter alone is larger. Bounded
   * so that a group's temporaries stay in the core's cache and the allocator reuses them: one group
   * per decay choice holding all of DeiT-Ti's 5.7M elements made the update 2 to 4 times slower
   * than ten ops per parameter (each op a pass through DRAM). Measured against the per-parameter
   * update in one JVM, interleaved (1 thread, loaded 2-core AMD EPYC): 131,072 took 0.43x the time
   * for vit-tiny-fm (2.7 against 6.0 ms) and 0.77x for deit-tiny (19 against 25 ms); 32,768 gave
   * 0.55x and 0.79x, 262,144 0.53x and 0.93x. The layout never changes results (the update is
   * bit-identical to the per-parameter one), so the system property only serves measurements.
   */
  static final long GROUP_ELEMENTS = Long.getLong("tlalign.adamw.group-elements", 131_072);

  /** Added to the norm in the clipping scale, as in {@code torch.nn.utils.clip_grad_norm_}. */
  public static final double CLIP_EPSILON = 1e-6;

  private final AdamWConfig config;
  private final LearningRateSchedule schedule;
  private final NDManager manager;
  private final Map<Device, NDManager> deviceManagers = new HashMap<>();

  /** Where each parameter's moments are, in the order the parameters were first stepped. */
  private final LinkedHashMap<String, Slot> slots = new LinkedHashMap<>();

  private final List<Group> groups = new ArrayList<>();
  private long stepCount;
  private boolean closed;
  private boolean lastStepGrouped;

  private record Moments(NDArray first, NDArray second) {}

  /** A parameter's moments: elements [offset, offset + shape.size()) of its group's buffers. */
  private record Slot(Group group, long offset, Shape shape) {}

  /** Parameters on one device with one weight-decay choice, and their moments end to end. */
  private static final class Group {
    final Device device;
    final boolean decays;
    final List<String> names = new ArrayList<>();
    final List<Long> offsets = new ArrayList<>();
    long size;
    NDArray first; // [size]
    NDArray second; // [size]

    Group(Device device, boolean decays) {
      this.device = device;
      this.decays = decays;
    }
  }

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
    double[] sumOfSquares = {0};
    forEachGradient(
        params,
        grad -> sumOfSquares[0] += grad.toType(DataType.FLOAT64, false).square().sum().getDouble());
    double norm = Math.sqrt(sumOfSquares[0]);
    if (!Double.isFinite(norm) || !config.clippingEnabled() || norm <= config.maxGradNorm()) {
      return norm;
    }
    float scale = (float) (config.maxGradNorm() / (norm + CLIP_EPSILON));
    withGradModeOff(() -> forEachGradient(params, grad -> grad.muli(scale)));
    return norm;
  }

  /**
   * Calls {@code action} with the gradient of each trainable parameter that has one, in the order
   * of {@code params}; the gradient and what the action makes from it belong to a scope on the
   * gradient's device, closed after each call.
   */
  private void forEachGradient(PairList<String, Parameter> params, Consumer<NDArray> action) {
    for (Pair<String, Parameter> pair : params) {
      NDArray array = trainableArray(pair.getValue());
      if (array == null || !array.hasGradient()) {
        continue;
      }
      try (NDManager scope = manager.newSubManager(array.getDevice())) {
        NDArray grad = array.getGradient();
        grad.attach(scope);
        action.accept(grad);
      }
    }
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
          ensureSlots(trainables);
          Map<Group, List<Trainable>> byGroup = byGroup(trainables);
          lastStepGrouped = matchesGroups(byGroup);
          if (lastStepGrouped) {
            for (Map.Entry<Group, List<Trainable>> e : byGroup.entrySet()) {
              updateGroup(e.getKey(), e.getValue(), lr, bias1, bias2);
            }
          } else {
            for (Trainable p : trainables) {
              try (NDManager views = manager.newSubManager(p.array.getDevice())) {
                update(p, momentsView(views, slots.get(p.name)), lr, bias1, bias2);
              }
            }
          }
        });
    stepCount = t;
    return lr;
  }

  /**
   * The update of {@link #update} for all parameters of {@code group} at once: the same float32
   * operations element by element, on the group's buffers.
   */
  private void updateGroup(
      Group group, List<Trainable> members, double lr, double bias1, double bias2) {
    NDArray m = group.first;
    NDArray v = group.second;
    try (NDManager scope = manager.newSubManager(group.device)) {
      NDList weights = new NDList(members.size());
      for (Trainable p : members) {
        weights.add(p.array);
      }
      // Every result of an op lands in its first operand's manager: with the long-lived arrays
      // attached to the scope for now, all temporaries do too, and die with it.
      scope.tempAttachAll(m, v);
      scope.tempAttachAll(weights.toArray(new NDArray[0]));
      NDList grads = new NDList(members.size());
      for (NDArray w : weights) {
        grads.add(w.getGradient().reshape(-1)); // a view of the accumulated gradient
      }
      NDArray g = members.size() == 1 ? grads.get(0) : NDArrays.concat(grads); // [size], read only
      m.muli((float) config.beta1()).addi(g.mul((float) (1 - config.beta1())));
      v.muli((float) config.beta2()).addi(g.square().muli((float) (1 - config.beta2())));
      NDArray denominator = v.div((float) bias2).sqrt().addi((float) config.epsilon());
      NDArray direction = m.div((float) bias1).divi(denominator); // [size]
      if (group.decays && config.weightDecay() != 0) {
        NDList flat = new NDList(members.size());
        for (NDArray w : weights) {
          flat.add(w.reshape(-1));
        }
        NDArray w = members.size() == 1 ? flat.get(0) : NDArrays.concat(flat); // [size]
        direction.addi(w.mul((float) config.weightDecay()));
      }
      direction.muli((float) lr);
      NDList parts =
          members.size() == 1
              ? new NDList(direction)
              : direction.split(splitPoints(group)); // one [n_i] view per parameter
      for (int i = 0; i < members.size(); i++) {
        NDArray w = weights.get(i);
        w.subi(parts.get(i).reshape(w.getShape()));
      }
    }
  }

  private static long[] splitPoints(Group group) {
    long[] points = new long[group.offsets.size() - 1];
    for (int i = 1; i < group.offsets.size(); i++) {
      points[i - 1] = group.offsets.get(i);
    }
    return points;
  }

  /** The call's trainables by group, each list in call order; groups in layout order. */
  private Map<Group, List<Trainable>> byGroup(List<Trainable> trainables) {
    Map<Group, List<Trainable>> byGroup = new LinkedHashMap<>();
    for (Trainable p : trainables) {
      byGroup.computeIfAbsent(slots.get(p.name).group(), g -> new ArrayList<>()).add(p);
    }
    return byGroup;
  }

  /** Whether the call covers every group's parameters exactly, in the group's order. */
  private boolean matchesGroups(Map<Group, List<Trainable>> byGroup) {
    if (byGroup.size() != groups.size()) {
      return false;
    }
    for (Map.Entry<Group, List<Trainable>> e : byGroup.entrySet()) {
      List<String> names = e.getValue().stream().map(Trainable::name).toList();
      if (!names.equals(e.getKey().names)) {
        return false;
      }
    }
    return true;
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
    List<NamedTensor> first = new ArrayList<>(slots.size());
    List<NamedTensor> second = new ArrayList<>(slots.size());
    for (Group group : groups) {
      // One copy of each buffer to the host, cut there.
      float[] firstAll = group.first.toFloatArray();
      float[] secondAll = group.second.toFloatArray();
      for (int i = 0; i < group.names.size(); i++) {
        Slot slot = slots.get(group.names.get(i));
        int from = Math.toIntExact(slot.offset());
        int to = Math.toIntExact(slot.offset() + slot.shape().size());
        long[] shape = slot.shape().getShape();
        first.add(
            new NamedTensor(group.names.get(i), shape, Arrays.copyOfRange(firstAll, from, to)));
        second.add(
            new NamedTensor(group.names.get(i), shape, Arrays.copyOfRange(secondAll, from, to)));
      }
    }
    // In the order the parameters were first stepped, whatever their groups.
    List<String> order = new ArrayList<>(slots.keySet());
    first.sort(java.util.Comparator.comparingInt(nt -> order.indexOf(nt.name())));
    second.sort(java.util.Comparator.comparingInt(nt -> order.indexOf(nt.name())));
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
    if (!first.isEmpty()) {
      Map<String, NamedTensor> secondByName = new HashMap<>();
      for (NamedTensor nt : state.secondMoments()) {
        secondByName.put(nt.name(), nt);
      }
      Map<String, NamedTensor> firstByName = new HashMap<>();
      for (NamedTensor nt : first) {
        firstByName.put(nt.name(), nt);
      }
      layOut(trainables);
      for (Group group : groups) {
        float[] m = new float[Math.toIntExact(group.size)];
        float[] v = new float[Math.toIntExact(group.size)];
        for (int i = 0; i < group.names.size(); i++) {
          String name = group.names.get(i);
          int offset = Math.toIntExact(group.offsets.get(i));
          float[] mi = firstByName.get(name).data();
          System.arraycopy(mi, 0, m, offset, mi.length);
          float[] vi = secondByName.get(name).data();
          System.arraycopy(vi, 0, v, offset, vi.length);
        }
        NDManager owner = deviceManager(group.device);
        group.first = owner.create(m, new Shape(group.size));
        group.second = owner.create(v, new Shape(group.size));
      }
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

  /** Whether the last step took the grouped path (else the per-parameter one); for tests. */
  boolean lastStepGrouped() {
    return lastStepGrouped;
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
      slots.clear();
      groups.clear();
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
      Slot slot = slots.get(name);
      if (slot != null && !slot.shape().equals(array.getShape())) {
        throw new IllegalArgumentException(
            "parameter '"
                + name
                + "' has shape "
                + array.getShape()
                + " but its moments have shape "
                + slot.shape()
                + "; the model changed under the optimizer");
      }
      list.add(new Trainable(name, array, WeightDecayRule.decays(name, array.getShape())));
    }
    return list;
  }

  /**
   * Gives every trainable without moments a zero slot at the end of its group (a new group where
   * none fits), growing that group's buffers; existing slots keep their offsets and values.
   */
  private void ensureSlots(List<Trainable> trainables) {
    Map<Group, Long> grownFrom = new LinkedHashMap<>();
    for (Trainable p : trainables) {
      if (slots.containsKey(p.name)) {
        continue;
      }
      Group group = groupFor(p);
      grownFrom.putIfAbsent(group, group.size);
      addSlot(group, p);
    }
    for (Map.Entry<Group, Long> e : grownFrom.entrySet()) {
      Group group = e.getKey();
      NDManager owner = deviceManager(group.device);
      long added = group.size - e.getValue();
      group.first = grow(owner, group.first, added);
      group.second = grow(owner, group.second, added);
    }
  }

  /** A fresh layout for {@code trainables}, in their order, buffers not yet created. */
  private void layOut(List<Trainable> trainables) {
    for (Trainable p : trainables) {
      addSlot(groupFor(p), p);
    }
  }

  /**
   * The last group of the parameter's device and decay choice if it has room for it (or is empty),
   * else a new one: a group holds at most {@link #GROUP_ELEMENTS} elements, unless one parameter
   * alone is larger.
   */
  private Group groupFor(Trainable p) {
    Device device = p.array.getDevice();
    long n = p.array.getShape().size();
    for (int i = groups.size() - 1; i >= 0; i--) {
      Group g = groups.get(i);
      if (g.device.equals(device) && g.decays == p.decays) {
        if (g.size == 0 || g.size + n <= GROUP_ELEMENTS) {
          return g;
        }
        break;
      }
    }
    Group g = new Group(device, p.decays);
    groups.add(g);
    return g;
  }

  private void addSlot(Group group, Trainable p) {
    Shape shape = p.array.getShape();
    slots.put(p.name, new Slot(group, group.size, shape));
    group.names.add(p.name);
    group.offsets.add(group.size);
    group.size += shape.size();
  }

  /** {@code old} followed by {@code added} zeros, in {@code owner}; closes {@code old}. */
  private static NDArray grow(NDManager owner, NDArray old, long added) {
    NDArray zeros = owner.zeros(new Shape(added), DataType.FLOAT32);
    if (old == null) {
      return zeros;
    }
    NDArray grown = old.concat(zeros);
    grown.attach(owner);
    old.close();
    zeros.close();
    return grown;
  }

  /** Views of one parameter's moments in its group's buffers, owned by {@code views}. */
  private static Moments momentsView(NDManager views, Slot slot) {
    Group g = slot.group();
    long from = slot.offset();
    long to = from + slot.shape().size();
    NDIndex range = new NDIndex().addSliceDim(from, to);
    NDArray first = g.first.get(range).reshape(slot.shape());
    NDArray second = g.second.get(range).reshape(slot.shape());
    first.attach(views);
    second.attach(views);
    return new Moments(first, second);
  }

  private NDManager deviceManager(Device device) {
    return deviceManagers.computeIfAbsent(device, d -> manager.newSubManager(d));
  }

  private void clearMoments() {
    for (Group g : groups) {
      if (g.first != null) {
        g.first.close();
        g.second.close();
      }
    }
    groups.clear();
    slots.clear();
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
