package io.tlalign.model.vit;

import io.tlalign.alignment.Pooling;
import io.tlalign.alignment.TokenLayout;
import java.util.Objects;

/**
 * The shape of a Vision Transformer (Dosovitskiy et al., ICLR 2021; DeiT, Touvron et al., ICML
 * 2021): image size, patch size, width, depth, heads, MLP ratio, classes and how the head reads the
 * tokens. Validated on construction, with messages that name the value and the fix.
 *
 * @param name preset name; travels with saved state so a state is only restored into its preset
 * @param imageHeight image rows H, a multiple of {@code patchSize}
 * @param imageWidth image columns W, a multiple of {@code patchSize}
 * @param channels image channels C (1 for grey, 3 for RGB)
 * @param patchSize side p of the square patches (the PatchEmbed kernel and stride)
 * @param embedDim token width D, a multiple of {@code numHeads}
 * @param depth number of transformer blocks L
 * @param numHeads attention heads per block
 * @param mlpRatio hidden width of each MLP as a multiple of D
 * @param numClasses classifier outputs K
 * @param pooling CLS: a class token is prepended and the head reads it; MEAN: no class token, the
 *     head reads the mean over patch tokens
 * @param qkvBias whether the qkv projection has a bias (timm's default: true)
 * @param layerNormEpsilon LayerNorm epsilon (timm's ViT: 1e-6)
 */
public record VitConfig(
    String name,
    int imageHeight,
    int imageWidth,
    int channels,
    int patchSize,
    int embedDim,
    int depth,
    int numHeads,
    double mlpRatio,
    int numClasses,
    Pooling pooling,
    boolean qkvBias,
    float layerNormEpsilon) {

  public VitConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pooling, "pooling");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank; name the preset, e.g. vit-tiny");
    }
    positive(imageHeight, "imageHeight");
    positive(imageWidth, "imageWidth");
    positive(channels, "channels");
    positive(patchSize, "patchSize");
    positive(embedDim, "embedDim");
    positive(depth, "depth");
    positive(numHeads, "numHeads");
    positive(numClasses, "numClasses");
    TokenLayout.requirePatchesTile(imageHeight, imageWidth, patchSize, "patchSize");
    if (embedDim % numHeads != 0) {
      throw new IllegalArgumentException(
          "embedDim "
              + embedDim
              + " is not a multiple of numHeads "
              + numHeads
              + "; each head gets embedDim / numHeads channels, so pick a divisor");
    }
    if (!(mlpRatio > 0) || Double.isInfinite(mlpRatio) || Math.round(embedDim * mlpRatio) < 1) {
      throw new IllegalArgumentException(
          "mlpRatio must be a finite number > 0 giving at least one hidden unit, got "
              + mlpRatio
              + "; 4.0 is the usual choice");
    }
    if (!(layerNormEpsilon > 0)) {
      throw new IllegalArgumentException(
          "layerNormEpsilon must be > 0, got " + layerNormEpsilon + "; timm uses 1e-6");
    }
  }

  private static void positive(int v, String what) {
    if (v <= 0) {
      throw new IllegalArgumentException(what + " must be > 0, got " + v);
    }
  }

  public boolean hasClassToken() {
    return pooling == Pooling.CLS;
  }

  /** The token grid as the alignment library sees it. */
  public TokenLayout tokenLayout() {
    return new TokenLayout(imageHeight, imageWidth, patchSize, hasClassToken());
  }

  public int gridHeight() {
    return tokenLayout().gridHeight();
  }

  public int gridWidth() {
    return tokenLayout().gridWidth();
  }

  public int numPatches() {
    return tokenLayout().numPatches();
  }

  /** N: patches plus the class token where there is one. */
  public int numTokens() {
    return tokenLayout().numTokens();
  }

  public int headDim() {
    return embedDim / numHeads;
  }

  public int mlpHiddenDim() {
    return (int) Math.round(embedDim * mlpRatio);
  }

  /** Floats in one image: C*H*W. */
  public int pixelsPerImage() {
    return channels * imageHeight * imageWidth;
  }

  public VitConfig withNumClasses(int k) {
    return copy(name, depth, k, pooling);
  }

  public VitConfig withName(String newName) {
    return copy(newName, depth, numClasses, pooling);
  }

  public VitConfig withDepth(int newDepth) {
    return copy(name, newDepth, numClasses, pooling);
  }

  public VitConfig withPooling(Pooling newPooling) {
    return copy(name, depth, numClasses, newPooling);
  }

  /** This config with the settings the withers change; the rest stays. */
  private VitConfig copy(String newName, int newDepth, int classes, Pooling newPooling) {
    return new VitConfig(
        newName,
        imageHeight,
        imageWidth,
        channels,
        patchSize,
        embedDim,
        newDepth,
        numHeads,
        mlpRatio,
        classes,
        newPooling,
        qkvBias,
        layerNormEpsilon);
  }
}
