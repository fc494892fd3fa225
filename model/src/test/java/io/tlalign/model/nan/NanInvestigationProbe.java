package io.tlalign.model.nan;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.alignment.CutMixSample;
import io.tlalign.alignment.Pairing;
import io.tlalign.alignment.PairingMode;
import io.tlalign.model.TestEngine;
import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.state.TrainingState;
import io.tlalign.model.train.MixedBatch;
import io.tlalign.model.train.MixedBatches;
import io.tlalign.model.train.StepResult;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import io.tlalign.model.vit.VitConfig;
import io.tlalign.model.vit.VitPresets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Experiments behind model/NAN_INVESTIGATION.md. Not part of the normal build: run with {@code
 * -Dtlalign.probe=true -Dtest=NanInvestigationProbe}.
 */
@EnabledIfSystemProperty(named = "tlalign.probe", matches = "true")
class NanInvestigationProbe {

  private static final VitConfig FM = VitPresets.VIT_TINY_FM;

  @BeforeAll
  static void engine() {
    TestEngine.start();
  }

  /** Where float32 softmax underflows to exactly 0 on this engine, and what log(0) does next. */
  @Test
  void softmaxUnderflow() {
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      for (float gap : new float[] {80, 87, 88, 90, 100, 103, 104, 105, 110, 200}) {
        NDArray x = m.create(new float[] {0f, -gap}, new Shape(1, 2));
        float p = x.softmax(1).toFloatArray()[1];
        float naive = x.softmax(1).log().toFloatArray()[1];
        float stable = x.logSoftmax(1).toFloatArray()[1];
        System.out.printf(
            "PROBE gap %5.0f: softmax %g (subnormal %b) log(softmax) %g log_softmax %g%n",
            gap, p, p != 0 && Math.abs(p) < Float.MIN_NORMAL, naive, stable);
      }
      // Does this thread flush subnormals? exp(-100) is 3.7e-44, a subnormal, unless FTZ is on.
      float e = m.create(new float[] {-100f}).exp().getFloat();
      System.out.println("PROBE exp(-100) in float32 = " + e + " (FTZ active: " + (e == 0) + ")");
    }
  }

  /** Same seed and batches with 1 and 2 intra-op threads: are the parameters bit-identical? */
  @Test
  void threadCountChangesTheBits() {
    List<TrainingState> states = new ArrayList<>();
    int[] threadCounts = {1, 2, 1, 2};
    for (int threads : threadCounts) {
      JniUtils.setNumThreads(threads);
      try (TrainingSession s = TrainingSession.create(config(), Device.cpu())) {
        for (int i = 0; i < 5; i++) {
          s.step(batch(32, i));
        }
        states.add(s.captureState());
      }
    }
    JniUtils.setNumThreads(1);
    System.out.println(
        "PROBE threads 1 vs 1 bit-identical: " + states.get(0).equals(states.get(2)));
    System.out.println(
        "PROBE threads 2 vs 2 bit-identical: " + states.get(1).equals(states.get(3)));
    System.out.println(
        "PROBE threads 1 vs 2 bit-identical: "
            + states.get(0).equals(states.get(1))
            + ", max |diff| "
            + maxDiff(states.get(0), states.get(1)));
  }

  /**
   * DJL creates CPU arrays from Java data with torch::from_blob over a direct ByteBuffer that only
   * the Java wrapper keeps alive. A view that outlives its base wrapper reads freed memory after
   * the next GC.
   */
  @Test
  void viewOutlivingItsFromBlobBaseReadsFreedMemory() throws Exception {
    int n = 1 << 16;
    float[] ones = new float[n];
    java.util.Arrays.fill(ones, 1f);
    int garbage = 0;
    int trials = 20;
    try (NDManager longLived = Engine.getEngine("PyTorch").newBaseManager()) {
      for (int t = 0; t < trials; t++) {
        NDArray view;
        try (NDManager shortLived = longLived.newSubManager()) {
          NDArray base = shortLived.create(ones, new Shape(n)); // from_blob over a direct buffer
          view = base.reshape(256, 256); // shares the storage
          view.attach(longLived); // the view outlives the base's manager
        } // base closed: its wrapper drops the ByteBuffer; the storage still points into it
        List<ByteBuffer> poison = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
          System.gc();
          Thread.sleep(20);
          for (int k = 0; k < 8; k++) {
            ByteBuffer b = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < n; i++) {
              b.putFloat(i * 4, Float.NaN);
            }
            poison.add(b);
          }
        }
        float sum = view.sum().getFloat();
        if (sum != n) {
          garbage++;
        }
        view.close();
        poison.clear();
      }
    }
    System.out.println(
        "PROBE from_blob view read after GC: "
            + garbage
            + " of "
            + trials
            + " trials not all ones");
  }

  /** Steps while another thread forces GCs and recycles direct memory filled with NaN. */
  @Test
  void trainingUnderGcPressureMatches() throws Exception {
    TrainingState quiet = train(false);
    TrainingState stressed = train(true);
    System.out.println("PROBE GC pressure bit-identical: " + quiet.equals(stressed));
  }

  private static TrainingState train(boolean stress) throws Exception {
    Thread poisoner = null;
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    if (stress) {
      poisoner =
          new Thread(
              () -> {
                while (!stop.get()) {
                  ByteBuffer b = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.nativeOrder());
                  for (int i = 0; i < (1 << 18); i++) {
                    b.putFloat(i * 4, Float.NaN);
                  }
                  System.gc();
                }
              });
      poisoner.setDaemon(true);
      poisoner.start();
    }
    try (TrainingSession s = TrainingSession.create(config(), Device.cpu())) {
      for (int i = 0; i < 10; i++) {
        StepResult r = s.step(batch(32, i));
        if (r.refused() || !Double.isFinite(r.loss())) {
          System.out.println("PROBE refused/non-finite under stress=" + stress + ": " + r);
        }
      }
      return s.captureState();
    } finally {
      stop.set(true);
      if (poisoner != null) {
        poisoner.join();
      }
    }
  }

  private static TrainingConfig config() {
    return new TrainingConfig(
        FM,
        3,
        new AdamWConfig(1e-3, 0.9, 0.999, 1e-8, 0.05, 0, 1000, 1e-5, 1.0),
        TargetMode.TLALIGN,
        0.1);
  }

  private static MixedBatch batch(int b, long index) {
    SplittableRandom r = new SplittableRandom(index);
    float[] px = new float[b * 784];
    int[] labels = new int[b];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < b; i++) {
      labels[i] = r.nextInt(10);
    }
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(index);
    CutMixSample sample = new CutMixBoxSampler(1.0).samplePixelBox(28, 28, rng);
    return MixedBatches.cutMix(
        index,
        FM.tokenLayout(),
        1,
        px,
        labels,
        sample,
        Pairing.partners(b, PairingMode.REVERSED, rng));
  }

  private static double maxDiff(TrainingState a, TrainingState b) {
    double max = 0;
    for (int i = 0; i < a.parameters().size(); i++) {
      NamedTensor x = a.parameters().get(i);
      NamedTensor y = b.parameters().get(i);
      for (int k = 0; k < x.data().length; k++) {
        max = Math.max(max, Math.abs(x.data()[k] - y.data()[k]));
      }
    }
    return max;
  }
}
