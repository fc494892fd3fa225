package io.tlalign.model.vit;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.tlalign.model.EngineOptions;
import io.tlalign.model.EngineSetup;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures forward+backward throughput of candidate vit-tiny-fm shapes. Not part of the normal
 * build: run with {@code -Dtlalign.probe=true -Dtest=VitThroughputProbe}.
 */
@EnabledIfSystemProperty(named = "tlalign.probe", matches = "true")
class VitThroughputProbe {

  @Test
  void measure() {
    int threads = Integer.getInteger("tlalign.probe.threads", 2);
    EngineSetup.start(
        EngineOptions.defaults().withCacheDir(Path.of("target/djl-cache")).withThreads(threads, 1));
    int batch = Integer.getInteger("tlalign.probe.batch", 128);
    String spec = System.getProperty("tlalign.probe.shapes", "64:4:4:2");
    int[][] shapes =
        java.util.Arrays.stream(spec.split(","))
            .map(t -> java.util.Arrays.stream(t.split(":")).mapToInt(Integer::parseInt).toArray())
            .toArray(int[][]::new);
    for (int[] s : shapes) {
      VitConfig c =
          new VitConfig(
              "probe",
              28,
              28,
              1,
              4,
              s[0],
              s[1],
              s[2],
              s[3],
              10,
              io.tlalign.alignment.Pooling.CLS,
              true,
              1e-6f);
      try (VitModel m = VitModel.create(c, 1, Device.cpu())) {
        run(m, batch, 3);
        var os =
            (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        int steps = Integer.getInteger("tlalign.probe.steps", 10);
        long cpu0 = os.getProcessCpuTime();
        double ips = run(m, batch, steps);
        double cpuSeconds = (os.getProcessCpuTime() - cpu0) / 1e9;
        System.out.printf(
            "dim=%d depth=%d heads=%d mlp=%d params=%d threads=%d batch=%d: %.0f img/s wall,"
                + " %.0f img per CPU-second, load %.1f%n",
            s[0],
            s[1],
            s[2],
            s[3],
            m.parameterCount(),
            threads,
            batch,
            ips,
            batch * steps / cpuSeconds,
            os.getSystemLoadAverage());
      }
    }
  }

  private static double run(VitModel m, int batch, int steps) {
    long t0 = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      try (NDManager sm = m.newStepManager()) {
        NDArray x = sm.randomNormal(new Shape(batch, 1, 28, 28));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDList out = m.forward(x, true);
          NDArray loss = out.get(0).logSoftmax(1).mean().neg();
          gc.backward(loss);
        }
        for (Pair<String, Parameter> p : m.parameters()) {
          NDArray g = p.getValue().getArray().getGradient();
          g.attach(sm);
        }
      }
    }
    return (double) batch * steps / ((System.nanoTime() - t0) / 1e9);
  }
}
