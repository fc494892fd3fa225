package io.tlalign.model.weights;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.vit.VitConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adapts a timm-named checkpoint to a preset where timm would, saying what it did: timm's {@code
 * checkpoint_filter_fn} (vision_transformer.py), {@code resample_abs_pos_embed}
 * (layers/pos_embed.py) and {@code adapt_input_conv} (models/_manipulate.py), written again here.
 * Anything it cannot adapt it leaves alone, for the strict check to report.
 *
 * <ul>
 *   <li>a distilled DeiT's {@code dist_token} and {@code head_dist.*} are dropped, and the
 *       distillation token's row of {@code pos_embed} with them;
 *   <li>{@code pos_embed} for another grid is resampled bicubically over the grid (PyTorch's {@code
 *       interpolate(mode="bicubic", align_corners=False)}), the class token's row kept;
 *   <li>the patch embedding for 3 input channels is summed over them for a 1-channel model, and one
 *       for 1 channel is repeated and divided by 3 for a 3-channel model;
 *   <li>a head for another class count is re-initialised as a fresh model's (same seed).
 * </ul>
 */
public final class CheckpointFilter {

  private CheckpointFilter() {}

  /** The adapted tensors; {@code notes} receives one line per adaptation. */
  public static Map<String, NamedTensor> apply(
      Map<String, NamedTensor> timm, VitConfig target, long seed, List<String> notes) {
    Map<String, NamedTensor> out = new LinkedHashMap<>(timm);
    long d = target.embedDim();
    int prefix = target.hasClassToken() ? 1 : 0;

    if (out.containsKey("dist_token")) {
      out.remove("dist_token");
      out.remove("head_dist.weight");
      out.remove("head_dist.bias");
      NamedTensor pos = out.get("pos_embed");
      if (pos != null && pos.rank() == 3 && pos.shape()[1] >= 2) {
        // DeiT distilled: [cls, dist, patches...]; keep cls and the patches.
        long dd = pos.shape()[2];
        int rowLen = (int) dd;
        float[] data = new float[pos.size() - rowLen];
        System.arraycopy(pos.data(), 0, data, 0, rowLen);
        System.arraycopy(pos.data(), 2 * rowLen, data, rowLen, pos.size() - 2 * rowLen);
        out.put(
            "pos_embed",
            new NamedTensor("pos_embed", new long[] {1, pos.shape()[1] - 1, dd}, data));
      }
      notes.add(
          "dropped the distillation token (dist_token, head_dist, its pos_embed row) of a distilled"
              + " DeiT");
    }

    NamedTensor pos = out.get("pos_embed");
    if (pos != null
        && pos.rank() == 3
        && pos.shape()[0] == 1
        && pos.shape()[2] == d
        && pos.shape()[1] != target.numTokens()) {
      long oldPatches = pos.shape()[1] - prefix;
      int side = (int) Math.round(Math.sqrt(oldPatches));
      if (oldPatches > 0 && (long) side * side == oldPatches) {
        out.put(
            "pos_embed",
            new NamedTensor(
                "pos_embed",
                new long[] {1, target.numTokens(), d},
                resamplePosEmbed(
                    pos.data(),
                    side,
                    side,
                    target.gridHeight(),
                    target.gridWidth(),
                    (int) d,
                    prefix)));
        notes.add(
            "resampled pos_embed bicubically from a "
                + side
                + "x"
                + side
                + " grid to "
                + target.gridHeight()
                + "x"
                + target.gridWidth()
                + (prefix > 0 ? ", class token row kept" : ""));
      }
    }

    NamedTensor conv = out.get("patch_embed.proj.weight");
    if (conv != null
        && conv.rank() == 4
        && conv.shape()[0] == d
        && conv.shape()[2] == target.patchSize()
        && conv.shape()[3] == target.patchSize()) {
      long in = conv.shape()[1];
      if (in == 3 && target.channels() == 1) {
        out.put("patch_embed.proj.weight", sumChannels(conv));
        notes.add("summed the patch embedding over its 3 input channels for a 1-channel model");
      } else if (in == 1 && target.channels() == 3) {
        out.put("patch_embed.proj.weight", repeatChannels(conv, 3));
        notes.add("repeated the 1-channel patch embedding over 3 channels, divided by 3");
      }
    }

    NamedTensor head = out.get("head.weight");
    NamedTensor headBias = out.get("head.bias");
    if (head != null
        && head.rank() == 2
        && head.shape()[1] == d
        && head.shape()[0] != target.numClasses()
        && (headBias == null || headBias.shape()[0] == head.shape()[0])) {
      long[] w = {target.numClasses(), d};
      long[] b = {target.numClasses()};
      out.put("head.weight", PretrainedWeights.initialValue(target, seed, "head.weight", w));
      out.put("head.bias", PretrainedWeights.initialValue(target, seed, "head.bias", b));
      notes.add(
          "re-initialised the head for "
              + target.numClasses()
              + " classes (the file's has "
              + head.shape()[0]
              + ")");
    }
    return out;
  }

  /** timm's {@code adapt_input_conv} for 3 -> 1: [D, 3, p, p] summed to [D, 1, p, p]. */
  static NamedTensor sumChannels(NamedTensor w) {
    long[] s = w.shape();
    int dOut = (int) s[0];
    int c = (int) s[1];
    int k = (int) (s[2] * s[3]);
    float[] out = new float[dOut * k];
    for (int o = 0; o < dOut; o++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < k; i++) {
          out[o * k + i] += w.data()[(o * c + ch) * k + i];
        }
      }
    }
    return new NamedTensor(w.name(), new long[] {s[0], 1, s[2], s[3]}, out);
  }

  /** 1 -> C: the one channel repeated C times and divided by C, so a grey image maps the same. */
  static NamedTensor repeatChannels(NamedTensor w, int c) {
    long[] s = w.shape();
    int dOut = (int) s[0];
    int k = (int) (s[2] * s[3]);
    float[] out = new float[dOut * c * k];
    for (int o = 0; o < dOut; o++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < k; i++) {
          out[(o * c + ch) * k + i] = w.data()[o * k + i] / c;
        }
      }
    }
    return new NamedTensor(w.name(), new long[] {s[0], c, s[2], s[3]}, out);
  }

  /**
   * timm's {@code resample_abs_pos_embed}: the prefix rows kept, the grid rows [h*w, D] viewed as a
   * D-channel h x w image and resized bicubically to newH x newW.
   */
  static float[] resamplePosEmbed(
      float[] pos, int h, int w, int newH, int newW, int dim, int prefix) {
    float[] out = new float[(prefix + newH * newW) * dim];
    System.arraycopy(pos, 0, out, 0, prefix * dim);
    for (int y = 0; y < newH; y++) {
      double sy = (y + 0.5) * h / newH - 0.5;
      int y0 = (int) Math.floor(sy);
      double[] wy = cubicWeights(sy - y0);
      for (int x = 0; x < newW; x++) {
        double sx = (x + 0.5) * w / newW - 0.5;
        int x0 = (int) Math.floor(sx);
        double[] wx = cubicWeights(sx - x0);
        int dst = (prefix + y * newW + x) * dim;
        for (int c = 0; c < dim; c++) {
          double acc = 0;
          for (int i = 0; i < 4; i++) {
            int yy = Math.min(Math.max(y0 - 1 + i, 0), h - 1);
            double row = 0;
            for (int j = 0; j < 4; j++) {
              int xx = Math.min(Math.max(x0 - 1 + j, 0), w - 1);
              row += wx[j] * pos[(prefix + yy * w + xx) * dim + c];
            }
            acc += wy[i] * row;
          }
          out[dst + c] = (float) acc;
        }
      }
    }
    return out;
  }

  /** Keys' cubic convolution weights with PyTorch's A = -0.75, for offsets -1, 0, 1, 2. */
  private static double[] cubicWeights(double t) {
    double a = -0.75;
    return new double[] {
      cubicFar(t + 1, a), cubicNear(t, a), cubicNear(1 - t, a), cubicFar(2 - t, a)
    };
  }

  private static double cubicNear(double x, double a) {
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  }

  private static double cubicFar(double x, double a) {
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  }

  static String shape(NamedTensor t) {
    return Arrays.toString(t.shape());
  }
}
