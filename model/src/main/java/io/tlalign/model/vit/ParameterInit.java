package io.tlalign.model.vit;

import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import io.tlalign.model.NativeArrays;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded, portable parameter initialisation in the manner of timm's ViT: truncated normal (std
 * 0.02, cut at two standard deviations) for every weight matrix, the patch-embedding kernel, the
 * class token and the position embedding; zeros for biases and LayerNorm shifts; ones for LayerNorm
 * scales.
 *
 * <p>Values are drawn in Java from a {@link SplittableRandom} seeded by the model seed mixed with a
 * hash of the parameter's full name, using {@link StrictMath} for the Box-Muller transform, so the
 * same seed gives the same bits on any machine, any JDK and any device, independent of the order in
 * which parameters are initialised and of DJL's global random state.
 */
public final class ParameterInit {

  /** Standard deviation of the truncated normal, as in timm's {@code trunc_normal_(std=.02)}. */
  public static final double STD = 0.02;

  /** Truncation bound in standard deviations. */
  public static final double TRUNCATION = 2.0;

  private ParameterInit() {}

  /**
   * Sets a seeded initializer on every parameter of {@code root}, by its full hierarchical name.
   */
  public static void assign(ai.djl.nn.Block root, long seed) {
    for (Pair<String, Parameter> p : root.getParameters()) {
      p.getValue().setInitializer(initializerFor(seed, p.getKey(), p.getValue().getType()));
    }
  }

  /** The initializer of one parameter. */
  static Initializer initializerFor(long seed, String name, Parameter.Type type) {
    return (manager, shape, dataType) -> {
      int n = Math.toIntExact(shape.size());
      float[] values = valuesFor(seed, name, type, n);
      // PyTorch-owned memory: the optimizer updates these in place for the model's whole life.
      return NativeArrays.copyOf(manager, values, shape)
          .toType(dataType == null ? DataType.FLOAT32 : dataType, false);
    };
  }

  /** The initial values of one parameter, as float32. */
  public static float[] valuesFor(long seed, String name, Parameter.Type type, int count) {
    float[] v = new float[count];
    switch (type) {
      case BIAS, BETA, RUNNING_MEAN -> Arrays.fill(v, 0f);
      case GAMMA, RUNNING_VAR -> Arrays.fill(v, 1f);
      default -> fillTruncatedNormal(v, new SplittableRandom(parameterSeed(seed, name)), STD);
    }
    return v;
  }

  /** A seed for one parameter: the model seed mixed with a 64-bit FNV-1a hash of the name. */
  public static long parameterSeed(long seed, String name) {
    long h = 0xcbf29ce484222325L;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return mix64(seed ^ mix64(h));
  }

  /** Normal(0, std) draws rejected outside {@code ±TRUNCATION * std}. */
  static void fillTruncatedNormal(float[] out, SplittableRandom rng, double std) {
    int i = 0;
    while (i < out.length) {
      // Box-Muller: two independent standard normals per pair of uniforms.
      double u1 = 1.0 - rng.nextDouble(); // (0, 1], so log(u1) is finite
      double u2 = rng.nextDouble();
      double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
      double theta = 2.0 * StrictMath.PI * u2;
      for (double z : new double[] {r * StrictMath.cos(theta), r * StrictMath.sin(theta)}) {
        if (i < out.length && Math.abs(z) <= TRUNCATION) {
          out[i++] = (float) (z * std);
        }
      }
    }
  }

  /** Stafford's variant 13 of the SplitMix64 finaliser. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
