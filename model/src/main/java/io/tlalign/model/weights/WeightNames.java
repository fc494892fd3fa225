package io.tlalign.model.weights;

import io.tlalign.model.state.NamedTensor;
import io.tlalign.model.vit.VitConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter names of this model, of timm's {@code VisionTransformer} and of Hugging Face's
 * {@code ViTForImageClassification}, in one place. timm's names are the pivot: this model's names
 * map to and from them one to one (same shapes, no transposes: DJL's Linear and Conv2d store
 * weights as PyTorch does), and Hugging Face's map to them with {@code query}, {@code key} and
 * {@code value} joined into timm's {@code qkv} (weights [3D, D], in that order).
 *
 * <p>This model's names come from DJL's {@code getParameters()}: a child block's name is its
 * 1-based position among its parent's children, two digits, then its name ({@code
 * 02block0_02attn_01qkv_weight}); LayerNorm's parameters are {@code gamma} and {@code beta} where
 * timm says {@code weight} and {@code bias}.
 */
public final class WeightNames {

  private WeightNames() {}

  // ------------------------------------------------------------------- this model <-> timm

  /**
   * timm name to this model's name for every parameter of {@code config}, in this model's parameter
   * order (the order of saved state).
   */
  public static Map<String, String> timmToModel(VitConfig config) {
    Map<String, String> m = new LinkedHashMap<>();
    if (config.hasClassToken()) {
      m.put("cls_token", "cls_token");
    }
    m.put("pos_embed", "pos_embed");
    m.put("patch_embed.proj.weight", "01patch_embed_01proj_weight");
    m.put("patch_embed.proj.bias", "01patch_embed_01proj_bias");
    for (int l = 0; l < config.depth(); l++) {
      String b = child(2 + l, "block" + l) + "_";
      String t = "blocks." + l + ".";
      m.put(t + "norm1.weight", b + "01norm1_gamma");
      m.put(t + "norm1.bias", b + "01norm1_beta");
      m.put(t + "attn.qkv.weight", b + "02attn_01qkv_weight");
      if (config.qkvBias()) {
        m.put(t + "attn.qkv.bias", b + "02attn_01qkv_bias");
      }
      m.put(t + "attn.proj.weight", b + "02attn_02proj_weight");
      m.put(t + "attn.proj.bias", b + "02attn_02proj_bias");
      m.put(t + "norm2.weight", b + "03norm2_gamma");
      m.put(t + "norm2.bias", b + "03norm2_beta");
      m.put(t + "mlp.fc1.weight", b + "04mlp_01fc1_weight");
      m.put(t + "mlp.fc1.bias", b + "04mlp_01fc1_bias");
      m.put(t + "mlp.fc2.weight", b + "04mlp_02fc2_weight");
      m.put(t + "mlp.fc2.bias", b + "04mlp_02fc2_bias");
    }
    String norm = child(2 + config.depth(), "norm");
    m.put("norm.weight", norm + "_gamma");
    m.put("norm.bias", norm + "_beta");
    String head = child(3 + config.depth(), "head");
    m.put("head.weight", head + "_weight");
    m.put("head.bias", head + "_bias");
    return m;
  }

  /** timm's shape of every parameter of {@code config}, by timm name, in model order. */
  public static Map<String, long[]> timmShapes(VitConfig config) {
    long d = config.embedDim();
    long f = config.mlpHiddenDim();
    Map<String, long[]> s = new LinkedHashMap<>();
    for (String name : timmToModel(config).keySet()) {
      long[] shape;
      if (name.equals("cls_token")) {
        shape = new long[] {1, 1, d};
      } else if (name.equals("pos_embed")) {
        shape = new long[] {1, config.numTokens(), d};
      } else if (name.equals("patch_embed.proj.weight")) {
        shape = new long[] {d, config.channels(), config.patchSize(), config.patchSize()};
      } else if (name.endsWith("qkv.weight")) {
        shape = new long[] {3 * d, d};
      } else if (name.endsWith("qkv.bias")) {
        shape = new long[] {3 * d};
      } else if (name.endsWith("fc1.weight")) {
        shape = new long[] {f, d};
      } else if (name.endsWith("fc1.bias")) {
        shape = new long[] {f};
      } else if (name.endsWith("fc2.weight")) {
        shape = new long[] {d, f};
      } else if (name.equals("head.weight")) {
        shape = new long[] {config.numClasses(), d};
      } else if (name.equals("head.bias")) {
        shape = new long[] {config.numClasses()};
      } else if (name.endsWith(".weight") && name.contains("proj")) {
        shape = new long[] {d, d};
      } else {
        shape = new long[] {d}; // biases of width D, LayerNorm scales and shifts
      }
      s.put(name, shape);
    }
    return s;
  }

  private static final Pattern MODEL_NAME =
      Pattern.compile(
          "\\d+patch_embed_\\d+proj_(weight|bias)"
              + "|\\d+block(\\d+)_\\d+(norm1|norm2)_(gamma|beta)"
              + "|\\d+block(\\d+)_\\d+attn_\\d+(qkv|proj)_(weight|bias)"
              + "|\\d+block(\\d+)_\\d+mlp_\\d+(fc1|fc2)_(weight|bias)"
              + "|\\d+norm_(gamma|beta)"
              + "|\\d+head_(weight|bias)");

  /**
   * The timm name of one of this model's parameter names, whatever the depth; empty for a name that
   * is not one of this model's.
   */
  public static Optional<String> modelToTimm(String name) {
    if (name.equals("cls_token") || name.equals("pos_embed")) {
      return Optional.of(name);
    }
    Matcher m = MODEL_NAME.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    if (m.group(1) != null) {
      return Optional.of("patch_embed.proj." + m.group(1));
    }
    if (m.group(2) != null) {
      return Optional.of("blocks." + m.group(2) + "." + m.group(3) + "." + lnToTimm(m.group(4)));
    }
    if (m.group(5) != null) {
      return Optional.of("blocks." + m.group(5) + ".attn." + m.group(6) + "." + m.group(7));
    }
    if (m.group(8) != null) {
      return Optional.of("blocks." + m.group(8) + ".mlp." + m.group(9) + "." + m.group(10));
    }
    if (m.group(11) != null) {
      return Optional.of("norm." + lnToTimm(m.group(11)));
    }
    return Optional.of("head." + m.group(12));
  }

  private static String lnToTimm(String djl) {
    return djl.equals("gamma") ? "weight" : "bias";
  }

  private static String child(int position, String name) {
    return String.format(java.util.Locale.ROOT, "%02d%s", position, name);
  }

  // ------------------------------------------------------------------- Hugging Face <-> timm

  private static final Pattern HF_LAYER =
      Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)\\.(weight|bias)");

  private static final Map<String, String> HF_LAYER_PARTS =
      Map.of(
          "layernorm_before", "norm1",
          "attention.output.dense", "attn.proj",
          "layernorm_after", "norm2",
          "intermediate.dense", "mlp.fc1",
          "output.dense", "mlp.fc2");

  private static final String[] QKV = {"query", "key", "value"};

  /** True when {@code names} look like a Hugging Face ViT checkpoint. */
  public static boolean looksLikeHf(Iterable<String> names) {
    for (String n : names) {
      String s = n.startsWith("vit.") ? n.substring(4) : n;
      if (s.startsWith("embeddings.") || s.startsWith("encoder.layer.")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Renames a Hugging Face {@code ViTForImageClassification} (or bare {@code ViTModel}) state dict
   * to timm's names, joining each layer's query, key and value into one qkv tensor. Names it does
   * not know are kept as they are, so that the strict check reports them as unexpected; a qkv part
   * without its siblings is kept under its own name too.
   *
   * @param notes receives one line for what was dropped (the unused pooler)
   */
  public static Map<String, NamedTensor> hfToTimm(Map<String, NamedTensor> hf, List<String> notes) {
    Map<String, NamedTensor> out = new LinkedHashMap<>();
    Map<String, NamedTensor[]> qkvParts = new LinkedHashMap<>();
    List<String> pooler = new ArrayList<>();
    for (NamedTensor t : hf.values()) {
      String s = t.name().startsWith("vit.") ? t.name().substring(4) : t.name();
      String timm = null;
      if (s.equals("embeddings.cls_token")) {
        timm = "cls_token";
      } else if (s.equals("embeddings.position_embeddings")) {
        timm = "pos_embed";
      } else if (s.startsWith("embeddings.patch_embeddings.projection.")) {
        timm = "patch_embed.proj." + s.substring(s.lastIndexOf('.') + 1);
      } else if (s.startsWith("layernorm.")) {
        timm = "norm." + s.substring(s.indexOf('.') + 1);
      } else if (s.startsWith("classifier.")) {
        timm = "head." + s.substring(s.indexOf('.') + 1);
      } else if (s.startsWith("pooler.")) {
        pooler.add(t.name());
        continue;
      } else {
        Matcher m = HF_LAYER.matcher(s);
        if (m.matches()) {
          String layer = m.group(1);
          String part = m.group(2);
          String kind = m.group(3);
          for (int i = 0; i < QKV.length; i++) {
            if (part.equals("attention.attention." + QKV[i])) {
              qkvParts
                      .computeIfAbsent(
                          "blocks." + layer + ".attn.qkv." + kind, k -> new NamedTensor[3])[i] =
                  t;
              part = null;
              break;
            }
          }
          if (part == null) {
            continue;
          }
          String mapped = HF_LAYER_PARTS.get(part);
          if (mapped != null) {
            timm = "blocks." + layer + "." + mapped + "." + kind;
          }
        }
      }
      String name = timm == null ? t.name() : timm;
      out.put(name, new NamedTensor(name, t.shape(), t.data()));
    }
    for (Map.Entry<String, NamedTensor[]> e : qkvParts.entrySet()) {
      NamedTensor[] parts = e.getValue();
      if (parts[0] == null || parts[1] == null || parts[2] == null || !sameShapes(parts)) {
        for (NamedTensor p : parts) {
          if (p != null) {
            out.put(p.name(), p); // reported as unexpected, under the file's own name
          }
        }
        continue;
      }
      long[] shape = parts[0].shape().clone();
      shape[0] *= 3;
      float[] data = new float[parts[0].size() * 3];
      for (int i = 0; i < 3; i++) {
        System.arraycopy(parts[i].data(), 0, data, i * parts[0].size(), parts[0].size());
      }
      out.put(e.getKey(), new NamedTensor(e.getKey(), shape, data));
    }
    if (!pooler.isEmpty()) {
      notes.add("dropped the Hugging Face pooler " + pooler + ", which a classifier does not use");
    }
    return out;
  }

  private static boolean sameShapes(NamedTensor[] parts) {
    return parts[0].rank() >= 1
        && java.util.Arrays.equals(parts[0].shape(), parts[1].shape())
        && java.util.Arrays.equals(parts[0].shape(), parts[2].shape());
  }

  /**
   * Renames timm tensors to Hugging Face {@code ViTForImageClassification} names, splitting qkv
   * into query, key and value. The inverse of {@link #hfToTimm} for a complete model.
   */
  public static List<NamedTensor> timmToHf(List<NamedTensor> timm) {
    List<NamedTensor> out = new ArrayList<>();
    Pattern block = Pattern.compile("blocks\\.(\\d+)\\.(.+)\\.(weight|bias)");
    for (NamedTensor t : timm) {
      String n = t.name();
      Matcher m = block.matcher(n);
      if (n.equals("cls_token")) {
        out.add(rename(t, "vit.embeddings.cls_token"));
      } else if (n.equals("pos_embed")) {
        out.add(rename(t, "vit.embeddings.position_embeddings"));
      } else if (n.startsWith("patch_embed.proj.")) {
        out.add(rename(t, "vit.embeddings.patch_embeddings.projection." + last(n)));
      } else if (n.startsWith("norm.")) {
        out.add(rename(t, "vit.layernorm." + last(n)));
      } else if (n.startsWith("head.")) {
        out.add(rename(t, "classifier." + last(n)));
      } else if (m.matches() && m.group(2).equals("attn.qkv")) {
        String prefix = "vit.encoder.layer." + m.group(1) + ".attention.attention.";
        int part = t.size() / 3;
        long[] shape = t.shape().clone();
        shape[0] /= 3;
        for (int i = 0; i < 3; i++) {
          float[] data = java.util.Arrays.copyOfRange(t.data(), i * part, (i + 1) * part);
          out.add(new NamedTensor(prefix + QKV[i] + "." + m.group(3), shape, data));
        }
      } else if (m.matches()) {
        String hfPart = null;
        for (Map.Entry<String, String> e : HF_LAYER_PARTS.entrySet()) {
          if (e.getValue().equals(m.group(2))) {
            hfPart = e.getKey();
          }
        }
        if (hfPart == null) {
          throw new IllegalArgumentException("timm name '" + n + "' has no Hugging Face name");
        }
        out.add(rename(t, "vit.encoder.layer." + m.group(1) + "." + hfPart + "." + m.group(3)));
      } else {
        throw new IllegalArgumentException("timm name '" + n + "' has no Hugging Face name");
      }
    }
    return out;
  }

  private static String last(String n) {
    return n.substring(n.lastIndexOf('.') + 1);
  }

  static NamedTensor rename(NamedTensor t, String name) {
    return new NamedTensor(name, t.shape(), t.data());
  }
}
