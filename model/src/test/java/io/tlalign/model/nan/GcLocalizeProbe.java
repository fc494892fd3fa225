package io.tlalign.model.nan;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.tlalign.model.NoGrad;
import io.tlalign.model.TestEngine;
import io.tlalign.model.optim.AdamW;
import io.tlalign.model.vit.VitModel;
import io.tlalign.model.vit.VitPresets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

@EnabledIfSystemProperty(named = "tlalign.probe", matches = "true")
class GcLocalizeProbe {

  @Test
  void localize() throws Exception {
    TestEngine.start();
    AtomicBoolean stop = new AtomicBoolean();
    Thread poisoner =
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
    SplittableRandom r = new SplittableRandom(1);
    float[] px = new float[32 * 784];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) r.nextGaussian();
    }
    String mode = System.getProperty("probe.mode", "forward");
    try (VitModel m = VitModel.create(VitPresets.VIT_TINY_FM, 3, Device.cpu())) {
      float[] ref = null;
      int bad = 0;
      for (int it = 0; it < 40; it++) {
        if (it == 1 && !Boolean.getBoolean("probe.quiet")) {
          poisoner.start();
        }
        float[] got;
        try (NDManager sm = m.newStepManager()) {
          NDArray x = sm.create(px, new Shape(32, 1, 28, 28));
          if (mode.equals("forward")) {
            try (NoGrad ng = NoGrad.enter()) {
              got = m.forward(x, false).get(0).toFloatArray();
            }
          } else if (mode.equals("forwardTrain")) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
              got = m.forward(x, true).get(0).toFloatArray();
            }
          } else if (mode.startsWith("tl")) {
            NDArray w = sm.create(new float[32 * 50 * 2], new Shape(32, 50, 2));
            w.set(new ai.djl.ndarray.index.NDIndex("..., 0"), 1f);
            int[] la = new int[32];
            int[] lb = new int[32];
            for (int i = 0; i < 32; i++) {
              la[i] = i % 10;
              lb[i] = (i * 7) % 10;
            }
            double norm = 0;
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
              NDList out = m.forward(x, true);
              NDArray fw = io.tlalign.model.label.LabelPropagation.finalWeights(w, out.subList(1, out.size()), io.tlalign.alignment.Pooling.CLS);
              NDArray target = io.tlalign.model.label.SoftTargets.mix(fw, la, lb, 10, 0.1);
              NDArray loss = io.tlalign.model.label.SoftTargetLoss.crossEntropy(out.get(0), target);
              gc.backward(loss);
            }
            if (mode.equals("tlclip")) {
              try (AdamW opt = new AdamW(io.tlalign.model.optim.AdamWConfig.defaults())) {
                norm = opt.clipGradients(m.parameters());
              }
            }
            NDArray g = m.parameters().get(System.getProperty("probe.param", "07head_weight"))
                .getArray().getGradient();
            g.attach(sm);
            got = Arrays.copyOf(g.toFloatArray(), g.toFloatArray().length + 1);
            got[got.length - 1] = (float) norm;
            AdamW.zeroGradients(m.parameters());
          } else {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
              NDList out = m.forward(x, true);
              gc.backward(out.get(0).logSoftmax(1).mean().neg());
            }
            NDArray g = m.parameters().get(System.getProperty("probe.param", "07head_weight"))
                .getArray().getGradient();
            g.attach(sm);
            got = g.toFloatArray();
            AdamW.zeroGradients(m.parameters());
          }
        }
        if (ref == null) {
          ref = got;
        } else if (!Arrays.equals(ref, got)) {
          bad++;
          int firstDiff = 0;
          while (firstDiff < got.length && Float.compare(ref[firstDiff], got[firstDiff]) == 0) {
            firstDiff++;
          }
          if (bad < 4) {
            System.out.println("PROBE it " + it + " first diff at " + firstDiff + " of " + got.length
                + ": " + ref[firstDiff] + " vs " + got[firstDiff]);
          }
        }
      }
      System.out.println("PROBE mode " + mode + ": " + bad + " of 39 differ under GC pressure");
    } finally {
      stop.set(true);
    }
  }
}
