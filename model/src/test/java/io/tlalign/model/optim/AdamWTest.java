package io.tlalign.model.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.util.PairList;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.OptimizerState;
import io.tlalign.model.state.TrainingState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class AdamWTest {

  private static final AdamWConfig CONFIG =
      new AdamWConfig(0.05, 0.9, 0.999, 1e-8, 0.1, 2, 8, 1e-3, 0.0);

  @Test
  void stepsMatchAnIndependentDoublePrecisionAdamW() {
    Reference ref = new Reference(CONFIG);
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG)) {
      for (int step = 1; step <= 6; step++) {
        model.forwardBackward(step);
        double lr = adamw.step(model.parameters());
        double refLr = ref.step(step);

        assertThat(lr).isEqualTo(refLr);
        assertThat(adamw.stepCount()).isEqualTo(step);
        assertClose(model.weight().getArray().toFloatArray(), ref.w, 1e-6, "weight@" + step);
        assertClose(model.bias().getArray().toFloatArray(), ref.b, 1e-6, "bias@" + step);
        OptimizerState s = adamw.snapshot();
        assertCloseNormwise(s.firstMoments().get(0).data(), ref.mw, 1e-6, "m(weight)@" + step);
        assertCloseNormwise(s.secondMoments().get(0).data(), ref.vw, 1e-6, "v(weight)@" + step);
        assertCloseNormwise(s.firstMoments().get(1).data(), ref.mb, 1e-6, "m(bias)@" + step);
        assertCloseNormwise(s.secondMoments().get(1).data(), ref.vb, 1e-6, "v(bias)@" + step);
      }
    }
  }

  @Test
  void aZeroGradientDecaysWeightsButNotBiases() {
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG)) {
      model.forwardBackward(1);
      AdamW.zeroGradients(model.parameters());
      float[] biasBefore = model.bias().getArray().toFloatArray();

      double lr = adamw.step(model.parameters());

      float[] w = model.weight().getArray().toFloatArray();
      float[] w0 = TinyLinear.initialWeight();
      for (int i = 0; i < w.length; i++) {
        assertThat((double) w[i]).isCloseTo(w0[i] * (1 - lr * 0.1), within(1e-7));
      }
      assertThat(model.bias().getArray().toFloatArray()).containsExactly(biasBefore);
    }
  }

  @Test
  void clippingScalesAllGradientsToTheMaximumNorm() {
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG.withMaxGradNorm(1.0))) {
      // Gradients 3 and 4 everywhere: |g|^2 = 6 * 9 + 2 * 16 = 86.
      setGradients(model, 3f, 4f);

      double norm = adamw.clipGradients(model.parameters());

      assertThat(norm).isEqualTo(Math.sqrt(86));
      double scale = 1.0 / (Math.sqrt(86) + 1e-6);
      assertThat(model.weight().getArray().getGradient().toFloatArray())
          .containsOnly((float) (3 * scale));
      assertThat(model.bias().getArray().getGradient().toFloatArray())
          .containsOnly((float) (4 * scale));
      assertThat(adamw.clipGradients(model.parameters())).isCloseTo(1.0, within(1e-6));
    }
  }

  @Test
  void clippingLeavesSmallNormsAndDisabledClippingAlone() {
    for (double max : new double[] {100.0, 0.0, -1.0, Double.POSITIVE_INFINITY}) {
      try (TinyLinear model = new TinyLinear();
          AdamW adamw = new AdamW(CONFIG.withMaxGradNorm(max))) {
        setGradients(model, 3f, 4f);

        assertThat(adamw.clipGradients(model.parameters())).isEqualTo(Math.sqrt(86));
        assertThat(model.weight().getArray().getGradient().toFloatArray()).containsOnly(3f);
        assertThat(model.bias().getArray().getGradient().toFloatArray()).containsOnly(4f);
      }
    }
  }

  @Test
  void aNonFiniteNormIsReturnedWithoutScaling() {
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG.withMaxGradNorm(1.0))) {
      setGradients(model, Float.NaN, 4f);

      assertThat(adamw.clipGradients(model.parameters())).isNaN();
      assertThat(model.bias().getArray().getGradient().toFloatArray()).containsOnly(4f);

      setGradients(model, Float.POSITIVE_INFINITY, 4f);
      assertThat(adamw.clipGradients(model.parameters())).isInfinite();
      assertThat(model.bias().getArray().getGradient().toFloatArray()).containsOnly(4f);
    }
  }

  @Test
  void zeroGradientsClearsNaNGradients() {
    try (TinyLinear model = new TinyLinear()) {
      setGradients(model, Float.NaN, 4f);

      AdamW.zeroGradients(model.parameters());

      assertThat(model.weight().getArray().getGradient().toFloatArray()).containsOnly(0f);
      assertThat(model.bias().getArray().getGradient().toFloatArray()).containsOnly(0f);
    }
  }

  @Test
  void snapshotRestoreContinuesBitIdenticallyToAnUninterruptedRun() throws Exception {
    AdamWConfig config = CONFIG.withMaxGradNorm(0.5); // clipping active on every step
    float[] uninterruptedW;
    float[] uninterruptedB;
    OptimizerState uninterruptedState;
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(config)) {
      for (int step = 1; step <= 6; step++) {
        model.forwardBackward(step);
        adamw.clipGradients(model.parameters());
        adamw.step(model.parameters());
      }
      uninterruptedW = model.weight().getArray().toFloatArray();
      uninterruptedB = model.bias().getArray().toFloatArray();
      uninterruptedState = adamw.snapshot();
    }

    byte[] checkpoint;
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(config)) {
      for (int step = 1; step <= 3; step++) {
        model.forwardBackward(step);
        adamw.clipGradients(model.parameters());
        adamw.step(model.parameters());
      }
      checkpoint =
          TrainingState.builder()
              .setPreset("tiny-linear")
              .setStep(3)
              .setParameters(parameters(model.parameters()))
              .optOptimizer(adamw.snapshot())
              .build()
              .toBytes();
    }

    TrainingState restored = TrainingState.fromBytes(checkpoint);
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(config)) {
      model.setWeights(restored.parameters().get(0).data(), restored.parameters().get(1).data());
      adamw.restore(restored.optimizer(), model.parameters());
      assertThat(adamw.stepCount()).isEqualTo(3);
      for (int step = 4; step <= 6; step++) {
        model.forwardBackward(step);
        adamw.clipGradients(model.parameters());
        adamw.step(model.parameters());
      }
      assertThat(bits(model.weight().getArray().toFloatArray())).isEqualTo(bits(uninterruptedW));
      assertThat(bits(model.bias().getArray().toFloatArray())).isEqualTo(bits(uninterruptedB));
      assertThat(adamw.snapshot()).isEqualTo(uninterruptedState);
    }
  }

  @Test
  void restoreRefusesMomentsOfAnotherModelAndChangesNothing() {
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG)) {
      model.forwardBackward(1);
      adamw.step(model.parameters());
      OptimizerState before = adamw.snapshot();
      String w = model.parameters().get(0).getKey();
      String b = model.parameters().get(1).getKey();

      OptimizerState renamed =
          new OptimizerState(
              7,
              List.of(tensor(w, 2, 3), tensor("other", 2)),
              List.of(tensor(w, 2, 3), tensor("other", 2)));
      assertThatThrownBy(() -> adamw.restore(renamed, model.parameters()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("missing [" + b + "]")
          .hasMessageContaining("unknown [other]");

      OptimizerState reshaped =
          new OptimizerState(
              7, List.of(tensor(w, 3, 2), tensor(b, 2)), List.of(tensor(w, 3, 2), tensor(b, 2)));
      assertThatThrownBy(() -> adamw.restore(reshaped, model.parameters()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("[3, 2]")
          .hasMessageContaining("[2, 3]");

      OptimizerState empty = new OptimizerState(7, List.of(), List.of());
      assertThatThrownBy(() -> adamw.restore(empty, model.parameters()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no moments");

      assertThat(adamw.stepCount()).isEqualTo(1);
      assertThat(adamw.snapshot()).isEqualTo(before);
    }
  }

  @Test
  void stepsOnAThreadWhoseGradModeIsOnAndRestoresIt() throws Exception {
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG)) {
      model.forwardBackward(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      AtomicBoolean gradModeAfter = new AtomicBoolean();
      Thread t =
          new Thread(
              () -> {
                try {
                  JniUtils.setGradMode(true);
                  adamw.clipGradients(model.parameters());
                  adamw.step(model.parameters());
                  gradModeAfter.set(JniUtils.isGradMode());
                } catch (Throwable e) {
                  failure.set(e);
                }
              });
      t.start();
      t.join();

      assertThat(failure.get()).isNull();
      assertThat(gradModeAfter.get()).isTrue();
      assertThat(model.weight().getArray().toFloatArray()).isNotEqualTo(TinyLinear.initialWeight());
    }
  }

  @Test
  void stepsLeaveNoArraysBehind() {
    try (TinyLinear model = new TinyLinear();
        AdamW adamw = new AdamW(CONFIG.withMaxGradNorm(0.1))) {
      model.forwardBackward(1);
      adamw.clipGradients(model.parameters());
      adamw.step(model.parameters());
      int modelArrays = model.manager.getManagedArrays().size();
      int optimizerArrays = adamw.nativeArrayCount();

      for (int step = 2; step <= 5; step++) {
        model.forwardBackward(step);
        adamw.clipGradients(model.parameters());
        adamw.step(model.parameters());
        adamw.snapshot();
      }

      assertThat(optimizerArrays).isEqualTo(4);
      assertThat(adamw.nativeArrayCount()).isEqualTo(optimizerArrays);
      assertThat(model.manager.getManagedArrays()).hasSize(modelArrays);
    }
  }

  @Test
  void refusesToStepAfterClose() {
    try (TinyLinear model = new TinyLinear()) {
      AdamW adamw = new AdamW(CONFIG);
      adamw.close();
      assertThatThrownBy(() -> adamw.step(model.parameters()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }

  // ------------------------------------------------------------------------------ helpers

  /** Gives the weight gradient {@code gw} and the bias gradient {@code gb} everywhere. */
  private static void setGradients(TinyLinear model, float gw, float gb) {
    AdamW.zeroGradients(model.parameters());
    try (NDManager scope = model.manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray w = model.weight().getArray();
      NDArray b = model.bias().getArray();
      // First operands from the scope, so that every temporary lands there.
      NDArray loss =
          scope.full(w.getShape(), gw).mul(w).sum().add(scope.full(b.getShape(), gb).mul(b).sum());
      collector.backward(loss);
    }
  }

  private static List<NamedTensor> parameters(PairList<String, Parameter> params) {
    List<NamedTensor> list = new ArrayList<>();
    for (var p : params) {
      NDArray a = p.getValue().getArray();
      list.add(new NamedTensor(p.getKey(), a.getShape().getShape(), a.toFloatArray()));
    }
    return list;
  }

  private static NamedTensor tensor(String name, long... shape) {
    return new NamedTensor(name, shape, new float[(int) NamedTensor.elementCount(shape)]);
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  private static void assertClose(float[] actual, double[] expected, double rel, String what) {
    assertThat(actual).as(what).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      double tolerance = rel * Math.max(Math.abs(expected[i]), 1e-3);
      assertThat((double) actual[i])
          .as(what + "[" + i + "]")
          .isCloseTo(expected[i], within(tolerance));
    }
  }

  /**
   * Moments are sums of terms that may cancel, so their error is relative to the largest of them
   * (the array's largest magnitude), not to each element.
   */
  private static void assertCloseNormwise(
      float[] actual, double[] expected, double rel, String what) {
    double scale = 0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    assertThat(actual).as(what).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i])
          .as(what + "[" + i + "]")
          .isCloseTo(expected[i], within(rel * scale));
    }
  }

  /**
   * AdamW in plain double precision, written from the paper's equations with its own analytic
   * gradient of {@link TinyLinear}'s loss, sharing no code with the class under test.
   */
  private static final class Reference {
    final AdamWConfig c;
    final double[] w = toDouble(TinyLinear.initialWeight());
    final double[] b = toDouble(TinyLinear.initialBias());
    final double[] mw = new double[w.length];
    final double[] vw = new double[w.length];
    final double[] mb = new double[b.length];
    final double[] vb = new double[b.length];

    Reference(AdamWConfig c) {
      this.c = c;
    }

    double step(int t) {
      double[] gw = new double[w.length];
      double[] gb = new double[b.length];
      float[] x = TinyLinear.input(t);
      float[] target = TinyLinear.target(t);
      int in = TinyLinear.IN;
      int out = TinyLinear.OUT;
      for (int n = 0; n < TinyLinear.BATCH; n++) {
        for (int o = 0; o < out; o++) {
          double y = b[o];
          for (int i = 0; i < in; i++) {
            y += w[o * in + i] * x[n * in + i];
          }
          double r = y - target[n * out + o];
          gb[o] += r;
          for (int i = 0; i < in; i++) {
            gw[o * in + i] += r * x[n * in + i];
          }
        }
      }
      double lr;
      if (t <= c.warmupSteps()) {
        lr = c.peakLearningRate() * t / c.warmupSteps();
      } else if (t >= c.totalSteps()) {
        lr = c.minLearningRate();
      } else {
        double progress = (t - c.warmupSteps()) / (double) (c.totalSteps() - c.warmupSteps());
        lr =
            c.minLearningRate()
                + 0.5
                    * (c.peakLearningRate() - c.minLearningRate())
                    * (1 + Math.cos(Math.PI * progress));
      }
      adam(w, gw, mw, vw, t, lr, c.weightDecay());
      adam(b, gb, mb, vb, t, lr, 0.0);
      return lr;
    }

    private void adam(double[] p, double[] g, double[] m, double[] v, int t, double lr, double wd) {
      for (int i = 0; i < p.length; i++) {
        m[i] = c.beta1() * m[i] + (1 - c.beta1()) * g[i];
        v[i] = c.beta2() * v[i] + (1 - c.beta2()) * g[i] * g[i];
        double mHat = m[i] / (1 - Math.pow(c.beta1(), t));
        double vHat = v[i] / (1 - Math.pow(c.beta2(), t));
        p[i] = p[i] - lr * (mHat / (Math.sqrt(vHat) + c.epsilon()) + wd * p[i]);
      }
    }

    private static double[] toDouble(float[] f) {
      double[] d = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        d[i] = f[i];
      }
      return d;
    }
  }
}
