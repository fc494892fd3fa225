package io.tlalign.alignment;

/**
 * How a ViT cuts an image into tokens: a {@code gridHeight x gridWidth} grid of {@code patchSize}
 * square patches in row-major order, after an optional class token at index 0.
 */
public record TokenLayout(int imageHeight, int imageWidth, int patchSize, boolean hasClsToken)
    implements java.io.Serializable {

  public TokenLayout {
    if (patchSize <= 0 || imageHeight <= 0 || imageWidth <= 0) {
      throw new IllegalArgumentException(
          "image size and patch size must be > 0, got "
              + imageHeight
              + "x"
              + imageWidth
              + " patch "
              + patchSize);
    }
    requirePatchesTile(imageHeight, imageWidth, patchSize, "patch size");
  }

  /**
   * Refuses an image whose sides are not multiples of the patch size; the message calls the patch
   * size {@code patchSizeName}, as the caller's own settings name it.
   */
  public static void requirePatchesTile(
      int imageHeight, int imageWidth, int patchSize, String patchSizeName) {
    if (imageHeight % patchSize != 0 || imageWidth % patchSize != 0) {
      throw new IllegalArgumentException(
          "image "
              + imageHeight
              + "x"
              + imageWidth
              + " is not a multiple of "
              + patchSizeName
              + " "
              + patchSize
              + "; pick a patch size that divides both sides");
    }
  }

  public int gridHeight() {
    return imageHeight / patchSize;
  }

  public int gridWidth() {
    return imageWidth / patchSize;
  }

  public int numPatches() {
    return gridHeight() * gridWidth();
  }

  /** Index of the first patch token: 1 after a class token, else 0. */
  public int patchOffset() {
    return hasClsToken ? 1 : 0;
  }

  public int numTokens() {
    return numPatches() + patchOffset();
  }

  /** Token index of the patch in grid row r, column c. */
  public int tokenIndex(int r, int c) {
    return patchOffset() + r * gridWidth() + c;
  }
}
