package io.tlalign.model.vit;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.tlalign.alignment.CutMixBoxSampler;
import io.tlalign.alignment.Pairing;
import io.tlalign.alignment.PairingMode;
import io.tlalign.alignment.Pooling;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import io.tlalign.model.optim.AdamWConfig;
import io.tlalign.model.train.MixedBatch;
import io.tlalign.model.train.MixedBatches;
import io.tlalign.model.train.TargetMode;
import io.tlalign.model.train.TrainingConfig;
import io.tlalign.model.train.TrainingSession;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures full TL-Align training steps (forward, label path, loss, backward, clipping, AdamW) per
 * second for candidate vit-tiny-fm shapes. Not part of the normal build: run with {@code
 * -Dtlalign.probe=true -Dtest=VitThroughputProbe [-Dtlalign.probe.threads=2]
 * [-Dtlalign.probe.shapes=64:4:4:2,64:6:4:2]} (dim:depth:heads:mlpRatio).
 */
@EnabledIfSystemProperty(named = "tlalign.probe", matches = "true")
class VitThroughputProbe {

  @Test
  void measure() {
    int threads = Integer.getInteger("tlalign.probe.threads", 2);
    EngineSetup.start(
        EngineOptions.defaults().withCacheDir(Path.of("target/djl-cache")).withThreads(threads, 1));
    JniUtils.setNumThreads(threads);
    int batch = Integer.getInteger("tlalign.probe.batch", 128);
    int steps = Integer.getInteger("tlalign.probe.steps", 15);
    String spec = System.getProperty("tlalign.probe.shapes", "64:4:4:2");
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (String one : spec.split(",")) {
      int[] s = Arrays.stream(one.split(":")).mapToInt(Integer::parseInt).toArray();
      VitConfig c =
          new VitConfig(
              "probe", 28, 28, 1, 4, s[0], s[1], s[2], s[3], 10, Pooling.CLS, true, 1e-6f);
      TrainingConfig tc = new TrainingConfig(c, 1, AdamWConfig.defaults(), TargetMode.TLALIGN, 0.1);
      try (TrainingSession session = TrainingSession.create(tc, Device.cpu())) {
        MixedBatch[] batches = new MixedBatch[4];
        for (int i = 0; i < batches.length; i++) {
          batches[i] = batch(c, batch, i);
        }
        for (int i = 0; i < 3; i++) {
          session.step(batches[i % batches.length]); // warm-up
        }
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          session.step(batches[i % batches.length]);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        System.out.printf(
            "PROBE dim=%d depth=%d heads=%d mlp=%d params=%d threads=%d batch=%d: %.0f img/s"
                + " wall, %.0f img per CPU-second, load %.1f%n",
            s[0],
            s[1],
            s[2],
            s[3],
            session.model().parameterCount(),
            threads,
            batch,
            batch * steps / wall,
            batch * steps / cpu,
            os.getSystemLoadAverage());
      }
    }
  }

  private static MixedBatch batch(VitConfig c, int b, long index) {
    SplittableRandom r = new SplittableRandom(index);
    float[] px = new float[b * c.pixelsPerImage()];
    int[] labels = new int[b];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < b; i++) {
      labels[i] = r.nextInt(c.numClasses());
    }
    UniformRandomProvider rng = RandomSource.SPLIT_MIX_64.create(index);
    return MixedBatches.cutMix(
        index,
        c.tokenLayout(),
        c.channels(),
        px,
        labels,
        new CutMixBoxSampler(1.0).samplePixelBox(c.imageHeight(), c.imageWidth(), rng),
        Pairing.partners(b, PairingMode.REVERSED, rng));
  }
}
