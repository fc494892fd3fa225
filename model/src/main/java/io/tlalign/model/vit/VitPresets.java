package io.tlalign.model.vit;

import io.tlalign.alignment.Pooling;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named ViT shapes, each a one-line factory as in timm's {@code vit_*} functions.
 *
 * <ul>
 *   <li>{@code vit-tiny-fm}: Fashion-MNIST (28x28x1, patch 4: 49 patches + class token = 50 tokens,
 *       10 classes), sized so an epoch of 60k images trains in a few minutes on two CPU cores (see
 *       {@link #VIT_TINY_FM}).
 *   <li>{@code deit-tiny}, {@code deit-small}, {@code deit-base}: DeiT (Touvron et al., ICML 2021)
 *       at 224x224x3, patch 16, MLP ratio 4, 1000 classes: 5.7M, 22M and 86M parameters.
 * </ul>
 */
public final class VitPresets {

  private static final float TIMM_LN_EPS = 1e-6f;

  /**
   * D=64, depth 4, 4 heads, MLP ratio 2: 139,018 parameters. Measured with VitThroughputProbe (full
   * TL-Align steps with AdamW, batch 128, float32) on the 2-vCPU build machine while other jobs
   * used about one of its cores: 600 to 900 images/s with one intra-op thread once warm (330 to 450
   * in a JVM's first steps), so a 60k-image Fashion-MNIST epoch takes one to three minutes. Depth 6
   * measured 120 to 250 images/s, and two intra-op threads on the loaded machine 40 to 70.
   */
  public static final VitConfig VIT_TINY_FM =
      new VitConfig("vit-tiny-fm", 28, 28, 1, 4, 64, 4, 4, 2.0, 10, Pooling.CLS, true, TIMM_LN_EPS);

  public static final VitConfig DEIT_TINY = deit("deit-tiny", 192, 3);
  public static final VitConfig DEIT_SMALL = deit("deit-small", 384, 6);
  public static final VitConfig DEIT_BASE = deit("deit-base", 768, 12);

  private static final Map<String, VitConfig> BY_NAME = new LinkedHashMap<>();

  static {
    for (VitConfig c : new VitConfig[] {VIT_TINY_FM, DEIT_TINY, DEIT_SMALL, DEIT_BASE}) {
      BY_NAME.put(c.name(), c);
    }
  }

  private VitPresets() {}

  private static VitConfig deit(String name, int dim, int heads) {
    return new VitConfig(
        name, 224, 224, 3, 16, dim, 12, heads, 4.0, 1000, Pooling.CLS, true, TIMM_LN_EPS);
  }

  /**
   * timm's {@code IMAGENET_DEFAULT_MEAN} and {@code IMAGENET_DEFAULT_STD}, for the DeiT presets.
   */
  private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

  private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  /**
   * The data config of a preset, as timm's {@code pretrained_cfg}. {@code vit-tiny-fm}: mean and
   * std 0.5 ({@code (v / 255 - 0.5) / 0.5}, its pixels as they always were), crop_pct 1 (a 28x28
   * image passes unchanged), no RandomResizedCrop (its small shift augmentation stays). DeiT:
   * ImageNet's mean and std, crop_pct 0.875, bicubic, RandomResizedCrop for training, as timm's
   * {@code deit_*_patch16_224}.
   */
  public static DataConfig dataConfig(VitConfig c) {
    boolean small = c.name().equals(VIT_TINY_FM.name());
    float[] half = new float[c.channels()];
    java.util.Arrays.fill(half, 0.5f);
    boolean imagenet = !small && c.channels() == IMAGENET_MEAN.length;
    return new DataConfig(
        c.imageHeight(),
        c.imageWidth(),
        c.channels(),
        imagenet ? IMAGENET_MEAN : half,
        imagenet ? IMAGENET_STD : half,
        small ? 1.0 : 0.875,
        DataConfig.Interpolation.BICUBIC,
        !small);
  }

  /**
   * The data config a model file of preset {@code c} records in its metadata ({@link
   * DataConfig#toMetadata}), or the preset's for entries it lacks.
   */
  public static DataConfig dataConfig(VitConfig c, java.util.Map<String, String> metadata) {
    return dataConfig(c).withMetadata(metadata);
  }

  /** The preset of that name; fails with a message listing the valid names. */
  public static VitConfig byName(String name) {
    VitConfig c = name == null ? null : BY_NAME.get(name.trim().toLowerCase(java.util.Locale.ROOT));
    if (c == null) {
      throw new IllegalArgumentException(
          "unknown ViT preset \"" + name + "\"; valid names are " + String.join(", ", names()));
    }
    return c;
  }

  /** Valid preset names, in a fixed order. */
  public static Set<String> names() {
    return java.util.Collections.unmodifiableSet(BY_NAME.keySet());
  }
}
