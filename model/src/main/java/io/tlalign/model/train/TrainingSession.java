package io.tlalign.model.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.NativeArrays;
import io.tlalign.model.NoGrad;
import io.tlalign.model.label.LabelPropagation;
import io.tlalign.model.label.SoftTargetLoss;
import io.tlalign.model.label.SoftTargets;
import io.tlalign.model.optim.AdamW;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model, its optimizer and the TL-Align training step: the unit the training operator keeps in
 * its state (Xiao et al., "Token-Label Alignment for Vision Transformers", ICCV 2023).
 *
 * <p>One step: forward with a gradient collector, the target (TL-Align, CutMix or plain), the
 * soft-target cross-entropy, backward, then AdamW. A non-finite loss or gradient norm never reaches
 * the parameters: the step is refused and counted, parameters and moments stay as they were, and
 * the gradients are zeroed.
 *
 * <p>Memory: the parameters live in the model's manager, the moments in the optimizer's; every
 * array of a step lives in a per-step child manager closed when the step ends.
 *
 * <p>Determinism: the same config, seed and batches give bit-identical parameters on CPU with a
 * fixed intra-op thread count (see {@link EngineSetup}); the step has no random ops (no dropout),
 * so it draws nothing from the engine's generator.
 *
 * <p>Threads: use a session from one thread at a time. DJL's PyTorch gradient collector is one per
 * JVM ({@code PtGradientCollector} throws if a second one opens while one is open), so the forward
 * and backward passes of all sessions in a JVM (several training subtasks in one task manager or in
 * a MiniCluster) take turns on a JVM-wide lock; the rest of a step runs in parallel.
 */
public final class TrainingSession implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingSession.class);

  /** Serialises gradient collection across sessions: DJL allows one collector per JVM. */
  private static final ReentrantLock GRADIENT_COLLECTION = new ReentrantLock();

  /** Metadata keys written by {@link #captureState()}. */
  public static final String META_SEED = "seed";

  public static final String META_TARGET_MODE = "targetMode";
  public static final String META_LABEL_SMOOTHING = "labelSmoothing";

  private final TrainingConfig config;
  private final VitModel model;
  private final AdamW optimizer;
  private final Engine engine;
  private long refusedSteps;

  private TrainingSession(TrainingConfig config, VitModel model, AdamW optimizer) {
    this.config = config;
    this.model = model;
    this.optimizer = optimizer;
    this.engine = Engine.getEngine(EngineSetup.ENGINE_NAME);
  }

  /** A fresh session: parameters initialised from {@code config.seed()}, optimizer at step 0. */
  public static TrainingSession create(TrainingConfig config, Device device) {
    Objects.requireNonNull(config, "config");
    VitModel model = VitModel.create(config.model(), config.seed(), device);
    try {
      return new TrainingSession(config, model, new AdamW(config.optimizer()));
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** A fresh session with {@code state} restored into it; see {@link #restore}. */
  public static TrainingSession fromState(
      TrainingConfig config, Device device, TrainingState state) {
    TrainingSession session = create(config, device);
    try {
      session.restore(state);
      return session;
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /**
   * A fresh session whose parameters are {@code parameters} (this model's names, order and shapes,
   * as {@link io.tlalign.model.weights.PretrainedWeights#load} returns them): optimizer moments
   * zero, step 0. Every name and shape is checked before anything changes.
   */
  public static TrainingSession fromWeights(
      TrainingConfig config, Device device, List<NamedTensor> parameters) {
    Objects.requireNonNull(parameters, "parameters");
    TrainingState state =
        TrainingState.builder()
            .setPreset(config.model().name())
            .setStep(0)
            .setParameters(parameters)
            .build();
    return fromState(config, device, state);
  }

  public TrainingConfig config() {
    return config;
  }

  public VitModel model() {
    return model;
  }

  /** Applied (not refused) steps. */
  public long stepCount() {
    return optimizer.stepCount();
  }

  public long refusedSteps() {
    return refusedSteps;
  }

  /** One training step on {@code batch}. */
  @SuppressWarnings("try") // the scope guard is used for its close()
  public StepResult step(MixedBatch batch) {
    checkBatch(batch, config.model());
    PairList<String, Parameter> params = model.parameters();
    // The step's arrays (activations, autograd buffers) stay open through clipping and AdamW:
    // freeing them before the update about doubled the page faults per step (memory handed back
    // to the OS and faulted in again) and cost the demo about 12% of its training rate.
    try (NoGrad noGrad = NoGrad.enter();
        NDManager sm = model.newStepManager()) {
      AdamW.zeroGradients(params); // PyTorch accumulates; start from zero whatever came before
      Pass pass = forwardBackward(sm, batch);
      if (!Double.isFinite(pass.loss)) {
        return refuse(batch, pass, Double.NaN, "non-finite loss " + pass.loss);
      }
      return clipAndUpdate(batch.batchIndex(), batch.batchSize(), batch.lambda(), pass);
    }
  }

  /**
   * The first half of a data-parallel step: the forward and backward passes of {@link #step} on
   * {@code batch}, the gradients copied to host memory, and nothing changed (parameters, moments
   * and counters stay; the gradients are zeroed). The replicas average these and each applies the
   * average with {@link #applyGradients}.
   */
  @SuppressWarnings("try") // the scope guard is used for its close()
  public LocalGradients gradients(MixedBatch batch) {
    checkBatch(batch, config.model());
    PairList<String, Parameter> params = model.parameters();
    try (NoGrad noGrad = NoGrad.enter();
        NDManager sm = model.newStepManager()) {
      AdamW.zeroGradients(params);
      Pass pass = forwardBackward(sm, batch);
      List<NamedTensor> grads = new ArrayList<>();
      if (Double.isFinite(pass.loss)) {
        for (Pair<String, Parameter> p : params) {
          NDArray array = p.getValue().getArray();
          if (p.getValue().requiresGradient() && array.hasGradient()) {
            try (NDArray g = array.getGradient()) {
              grads.add(new NamedTensor(p.getKey(), array.getShape().getShape(), g.toFloatArray()));
            }
          }
        }
      }
      AdamW.zeroGradients(params);
      return new LocalGradients(
          batch.batchIndex(),
          batch.batchSize(),
          pass.loss,
          batch.lambda(),
          pass.alignedShare,
          pass.alignedShares,
          grads);
    }
  }

  /**
   * The second half of a data-parallel step: {@code gradients} (the replicas' average, named and
   * ordered as {@link #gradients} returns them) become the parameters' gradients, then clipping and
   * the AdamW update run exactly as in {@link #step}. The loss and shares reported are {@code
   * local}'s. A non-finite norm refuses the step, as in {@link #step}.
   *
   * @throws IllegalArgumentException when a gradient's name or shape does not match the trainable
   *     parameters; nothing is changed then
   */
  @SuppressWarnings("try") // the scope guard is used for its close()
  public StepResult applyGradients(LocalGradients local, List<NamedTensor> gradients) {
    PairList<String, Parameter> params = model.parameters();
    List<NDArray> targets = new ArrayList<>();
    int t = 0;
    for (Pair<String, Parameter> p : params) {
      if (!p.getValue().requiresGradient()) {
        continue;
      }
      NDArray array = p.getValue().getArray();
      NamedTensor g = t < gradients.size() ? gradients.get(t) : null;
      if (g == null
          || !g.name().equals(p.getKey())
          || !Arrays.equals(g.shape(), array.getShape().getShape())) {
        throw new IllegalArgumentException(
            "gradient "
                + t
                + " is "
                + (g == null ? "missing" : g)
                + " but the model's trainable parameter "
                + t
                + " is '"
                + p.getKey()
                + "' "
                + array.getShape()
                + "; all replicas must train the same model");
      }
      targets.add(array);
      t++;
    }
    if (t != gradients.size()) {
      throw new IllegalArgumentException(
          gradients.size() + " gradients for the model's " + t + " trainable parameters");
    }
    try (NoGrad noGrad = NoGrad.enter()) {
      AdamW.zeroGradients(params);
      setGradients(targets, gradients);
      Pass pass = new Pass(local.loss(), local.meanAlignedShareA(), local.alignedSharesA());
      return clipAndUpdate(local.batchIndex(), local.batchSize(), local.meanLambda(), pass);
    }
  }

  /**
   * Counts a data-parallel step as refused without touching the parameters, e.g. because another
   * replica's loss was not finite: every replica refuses the same steps, as one trainer of the
   * whole batch would.
   */
  public StepResult refuseGradients(LocalGradients local, String reason) {
    AdamW.zeroGradients(model.parameters());
    refusedSteps++;
    LOG.warn(
        "refused step for batch {} ({}); {} refused so far",
        local.batchIndex(),
        reason,
        refusedSteps);
    return new StepResult(
        optimizer.stepCount(),
        local.batchIndex(),
        local.batchSize(),
        local.loss(),
        optimizer.schedule().learningRate(optimizer.stepCount() + 1),
        Double.NaN,
        local.meanLambda(),
        local.meanAlignedShareA(),
        local.alignedSharesA(),
        true,
        reason,
        refusedSteps);
  }

  /** What a forward and backward pass found; the gradients stay in the parameters. */
  private record Pass(double loss, double alignedShare, float[] alignedShares) {}

  /**
   * Forward with a gradient collector, the target, the loss and (when finite) backward; the step's
   * arrays go to {@code sm}, which the caller closes.
   */
  private Pass forwardBackward(NDManager sm, MixedBatch batch) {
    VitConfig vit = config.model();
    int b = batch.batchSize();
    NDArray images =
        NativeArrays.copyOf(
            sm, batch.pixels(), new Shape(b, batch.channels(), batch.height(), batch.width()));
    NDArray initial = initialWeights(sm, batch); // [B, N, 2]
    GRADIENT_COLLECTION.lock();
    try (GradientCollector collector = engine.newGradientCollector()) {
      NDList out = model.forward(images, true); // logits [B, K], then L x [B, N, N]
      NDArray logits = out.get(0);
      NDArray finalWeights =
          LabelPropagation.finalWeights(
              initial, out.subList(1, out.size()), vit.pooling()); // [B, 2], no gradient
      NDArray sharesA = finalWeights.get(new NDIndex(":, 0"));
      float[] alignedShares = sharesA.toFloatArray();
      double alignedShare = sharesA.mean().getFloat();
      NDArray target = target(sm, batch, finalWeights); // [B, K]
      NDArray loss = SoftTargetLoss.crossEntropy(logits, target); // []
      double lossValue = loss.getFloat();
      if (Double.isFinite(lossValue)) {
        collector.backward(loss);
      }
      return new Pass(lossValue, alignedShare, alignedShares);
    } finally {
      GRADIENT_COLLECTION.unlock();
    }
  }

  /** Clipping and the AdamW update on the gradients the parameters hold; then zeroes them. */
  private StepResult clipAndUpdate(long batchIndex, int batchSize, double lambda, Pass pass) {
    PairList<String, Parameter> params = model.parameters();
    double gradNorm = optimizer.clipGradients(params);
    if (!Double.isFinite(gradNorm)) {
      return refuse(
          batchIndex, batchSize, lambda, pass, gradNorm, "non-finite gradient norm " + gradNorm);
    }
    double lr = optimizer.step(params);
    AdamW.zeroGradients(params);
    return new StepResult(
        optimizer.stepCount(),
        batchIndex,
        batchSize,
        pass.loss,
        lr,
        gradNorm,
        lambda,
        pass.alignedShare,
        pass.alignedShares,
        false,
        null,
        refusedSteps);
  }

  /**
   * Makes {@code gradients} the parameters' gradients, exactly: one backward pass of {@code sum_i
   * sum(p_i x g_i)} with the {@code g_i} constants, whose gradient for {@code p_i} is {@code 1 x
   * g_i}, added to the zeroed (or not yet existing, as after a restore) gradient tensors. Writing
   * into the gradient views in place instead fails for tensors that autograd has not created yet.
   */
  private void setGradients(List<NDArray> targets, List<NamedTensor> gradients) {
    try (NDManager sm = model.newStepManager()) {
      GRADIENT_COLLECTION.lock();
      try (GradientCollector collector = engine.newGradientCollector()) {
        NDArray total = null;
        for (int i = 0; i < targets.size(); i++) {
          NDArray p = targets.get(i);
          NDArray g = NativeArrays.copyOf(sm, gradients.get(i).data(), p.getShape());
          NDArray product = p.mul(g); // lands in the parameter's manager
          product.attach(sm);
          NDArray term = product.sum();
          total = total == null ? term : total.add(term);
        }
        if (total != null) {
          collector.backward(total);
        }
      } finally {
        GRADIENT_COLLECTION.unlock();
      }
    }
  }

  private StepResult refuse(MixedBatch batch, Pass pass, double gradNorm, String reason) {
    return refuse(batch.batchIndex(), batch.batchSize(), batch.lambda(), pass, gradNorm, reason);
  }

  private StepResult refuse(
      long batchIndex, int batchSize, double lambda, Pass pass, double gradNorm, String reason) {
    AdamW.zeroGradients(model.parameters());
    refusedSteps++;
    LOG.warn(
        "refused step for batch {} ({}); parameters unchanged, {} refused so far",
        batchIndex,
        reason,
        refusedSteps);
    return new StepResult(
        optimizer.stepCount(),
        batchIndex,
        batchSize,
        pass.loss,
        optimizer.schedule().learningRate(optimizer.stepCount() + 1),
        gradNorm,
        lambda,
        pass.alignedShare,
        pass.alignedShares,
        true,
        reason,
        refusedSteps);
  }

  /** The initial token weights as [B, N, 2], shared tables broadcast over the batch. */
  private static NDArray initialWeights(NDManager sm, MixedBatch batch) {
    int n = batch.numTokens();
    int b = batch.batchSize();
    if (batch.sharedTokenWeights()) {
      return NativeArrays.copyOf(sm, batch.tokenWeights(), new Shape(1, n, 2)).broadcast(b, n, 2);
    }
    return NativeArrays.copyOf(sm, batch.tokenWeights(), new Shape(b, n, 2));
  }

  private NDArray target(NDManager sm, MixedBatch batch, NDArray finalWeights) {
    int k = config.model().numClasses();
    double s = config.labelSmoothing();
    return switch (config.targetMode()) {
      case TLALIGN -> SoftTargets.mix(finalWeights, batch.labelsA(), batch.labelsB(), k, s);
      case CUTMIX -> SoftTargets.cutMix(sm, batch.lambda(), batch.labelsA(), batch.labelsB(), k, s);
      case NONE -> SoftTargets.plain(sm, batch.labelsA(), k, s);
    };
  }

  private static void checkBatch(MixedBatch batch, VitConfig vit) {
    if (batch.channels() != vit.channels()
        || batch.height() != vit.imageHeight()
        || batch.width() != vit.imageWidth()) {
      throw new IllegalArgumentException(
          "batch "
              + batch.batchIndex()
              + " has images of "
              + batch.channels()
              + "x"
              + batch.height()
              + "x"
              + batch.width()
              + " but preset "
              + vit.name()
              + " takes "
              + vit.channels()
              + "x"
              + vit.imageHeight()
              + "x"
              + vit.imageWidth()
              + "; resize the images or pick the matching preset");
    }
    if (batch.numTokens() != vit.numTokens()) {
      throw new IllegalArgumentException(
          "batch "
              + batch.batchIndex()
              + " carries token weights for "
              + batch.numTokens()
              + " tokens but preset "
              + vit.name()
              + " has "
              + vit.numTokens()
              + "; compute them with this preset's TokenLayout");
    }
    for (int[] labels : new int[][] {batch.labelsA(), batch.labelsB()}) {
      for (int c : labels) {
        if (c < 0 || c >= vit.numClasses()) {
          throw new IllegalArgumentException(
              "batch "
                  + batch.batchIndex()
                  + " has label "
                  + c
                  + " outside [0, "
                  + vit.numClasses()
                  + ") of preset "
                  + vit.name());
        }
      }
    }
  }

  // ------------------------------------------------------------------------------ state

  /**
   * Copies parameters, optimizer moments and counters to host memory, parameters in the model's
   * order under their full names.
   */
  public TrainingState captureState() {
    List<NamedTensor> tensors = new ArrayList<>();
    for (Pair<String, Parameter> p : model.parameters()) {
      NDArray a = p.getValue().getArray();
      tensors.add(new NamedTensor(p.getKey(), a.getShape().getShape(), a.toFloatArray()));
    }
    return TrainingState.builder()
        .setPreset(config.model().name())
        .setStep(optimizer.stepCount())
        .setParameters(tensors)
        .optRefusedSteps(refusedSteps)
        .optRngState(ByteBuffer.allocate(Long.BYTES).putLong(config.seed()).array())
        .optOptimizer(optimizer.snapshot())
        .optMetadata(META_SEED, Long.toString(config.seed()))
        .optMetadata(META_TARGET_MODE, config.targetMode().name())
        .optMetadata(META_LABEL_SMOOTHING, Double.toString(config.labelSmoothing()))
        .optMetadata(config.data().toMetadata())
        .build();
  }

  /**
   * Replaces parameters, moments and counters with {@code state}. Everything is checked first (the
   * preset, every parameter's name, order and shape, the optimizer's moments); nothing is changed
   * when a check fails.
   *
   * @throws IllegalStateException for a state of another preset, naming both
   * @throws IllegalArgumentException naming the first parameter that does not match
   */
  @SuppressWarnings("try") // the scope guard is used for its close()
  public void restore(TrainingState state) {
    Objects.requireNonNull(state, "state");
    state.requirePreset(config.model().name());
    PairList<String, Parameter> params = model.parameters();
    List<NamedTensor> saved = state.parameters();
    if (saved.size() != params.size()) {
      throw new IllegalArgumentException(
          "training state holds "
              + saved.size()
              + " parameters but preset "
              + config.model().name()
              + " has "
              + params.size()
              + "; the state was written by a different model shape");
    }
    for (int i = 0; i < saved.size(); i++) {
      NamedTensor t = saved.get(i);
      String name = params.keyAt(i);
      long[] shape = params.valueAt(i).getArray().getShape().getShape();
      if (!t.name().equals(name)) {
        throw new IllegalArgumentException(
            "training state parameter "
                + i
                + " is '"
                + t.name()
                + "' but the model's is '"
                + name
                + "'; the state was written by a different model layout");
      }
      if (!Arrays.equals(t.shape(), shape)) {
        throw new IllegalArgumentException(
            "training state parameter '"
                + name
                + "' has shape "
                + Arrays.toString(t.shape())
                + " but the model's has "
                + Arrays.toString(shape));
      }
    }
    if (state.step() != state.optimizerStepCount()) {
      throw new IllegalArgumentException(
          "training state is at step "
              + state.step()
              + " but its optimizer at step "
              + state.optimizerStepCount()
              + "; a session writes both equal, so the state is not one of ours");
    }
    String mode = state.metadata().get(META_TARGET_MODE);
    if (mode != null && !mode.equals(config.targetMode().name())) {
      LOG.info(
          "restoring a state trained with {} targets into a {} session", mode, config.targetMode());
    }
    // Validates the moments against the parameters and changes nothing when that fails.
    optimizer.restore(state.optimizer(), params);
    try (NoGrad noGrad = NoGrad.enter();
        NDManager scratch = model.newStepManager()) {
      for (int i = 0; i < saved.size(); i++) {
        NDArray param = params.valueAt(i).getArray();
        // Not param.set(float[]): on the CPU that swaps the tensor's storage for a Java direct
        // buffer. intern() swaps in a PyTorch-owned copy and keeps the Parameter's array object.
        param.intern(NativeArrays.copyOf(scratch, saved.get(i).data(), param.getShape()));
        param.setRequiresGradient(true);
      }
    }
    refusedSteps = state.refusedSteps();
  }

  @Override
  public void close() {
    try {
      optimizer.close();
    } finally {
      model.close();
    }
  }
}
