package io.tlalign.model.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The Vision Transformer (Dosovitskiy et al., ICLR 2021) in its DeiT/timm form: patch embedding, a
 * learnable class token, a learnable position embedding, L pre-norm blocks, a final LayerNorm and a
 * linear head on the class token (or on the token mean for a model without class token).
 *
 * <p>The forward pass also returns every block's head-averaged, detached attention, which the
 * TL-Align label path consumes (Xiao et al., ICCV 2023, arXiv 2210.06455).
 *
 * <p>Shapes: B batch, C channels, H x W image, P patches, N = P (+1 with a class token) tokens, D
 * width, K classes, L blocks.
 *
 * <ul>
 *   <li>input: images [B, C, H, W], float32, normalised
 *   <li>parameters: cls_token [1, 1, D] (CLS pooling only), pos_embed [1, N, D], patch_embed,
 *       block0 .. block(L-1), norm [D], head [K, D] + [K]
 *   <li>output 0: logits [B, K]
 *   <li>outputs 1..L: attention of block l averaged over heads [B, N, N], detached
 * </ul>
 *
 * <p>Parameter names come from DJL's {@code getParameters()} (child blocks numbered in the order
 * they are added), so they are stable and unique, and the order is fixed: class token, position
 * embedding, patch embedding, blocks in order, final norm, head.
 */
public final class VisionTransformer extends AbstractBlock {

  private final VitConfig config;
  private final Parameter posEmbed;
  private final PatchEmbed patchEmbed;
  private final List<Block> blocks;
  private final LayerNorm norm;
  private final Linear head;
  private final TokenPrefix prefix;
  private final Readout readout;

  /** Prepends the class token, or leaves the patch tokens as they are. */
  private interface TokenPrefix {
    NDArray apply(ParameterStore ps, NDArray patches, boolean training);
  }

  /** Reads the head's input out of the normalised tokens. */
  private interface Readout {
    NDArray apply(NDArray tokens);
  }

  public VisionTransformer(VitConfig config) {
    this.config = config;
    int d = config.embedDim();
    if (config.hasClassToken()) {
      Parameter clsToken =
          addParameter(
              Parameter.builder()
                  .setName("cls_token")
                  .setType(Parameter.Type.OTHER)
                  .optShape(new Shape(1, 1, d))
                  .build());
      this.prefix = (ps, patches, training) -> prependClassToken(ps, clsToken, patches, training);
      this.readout = tokens -> tokens.get(new NDIndex(":, 0")); // [B, D]
    } else {
      this.prefix = (ps, patches, training) -> patches;
      this.readout = tokens -> tokens.mean(new int[] {1}); // [B, D]
    }
    this.posEmbed =
        addParameter(
            Parameter.builder()
                .setName("pos_embed")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1, config.numTokens(), d))
                .build());
    this.patchEmbed = addChildBlock("patch_embed", new PatchEmbed(config));
    List<Block> list = new ArrayList<>();
    for (int l = 0; l < config.depth(); l++) {
      list.add(addChildBlock("block" + l, new Block(config)));
    }
    this.blocks = Collections.unmodifiableList(list);
    this.norm = addChildBlock("norm", Block.layerNorm(config));
    this.head = addChildBlock("head", Linear.builder().setUnits(config.numClasses()).build());
  }

  public VitConfig config() {
    return config;
  }

  /** Input shape for a batch of {@code batchSize} images: [B, C, H, W]. */
  public Shape inputShape(long batchSize) {
    return new Shape(batchSize, config.channels(), config.imageHeight(), config.imageWidth());
  }

  private static NDArray prependClassToken(
      ParameterStore ps, Parameter clsToken, NDArray patches, boolean training) {
    long b = patches.getShape().get(0);
    long d = patches.getShape().get(2);
    NDArray cls = ps.getValue(clsToken, patches.getDevice(), training); // [1, 1, D]
    NDArray rows = cls.broadcast(b, 1, d); // [B, 1, D], a view; gradients sum back to [1, 1, D]
    // The result of an op belongs to its receiver's manager; move it off the parameters' one.
    rows.attach(patches.getManager());
    return rows.concat(patches, 1); // [B, N, D], class token first
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray images = inputs.singletonOrThrow(); // [B, C, H, W]
    NDArray patches =
        patchEmbed.forward(ps, inputs, training, params).singletonOrThrow(); // [B, P, D]
    NDArray x = prefix.apply(ps, patches, training); // [B, N, D]
    x = x.add(ps.getValue(posEmbed, images.getDevice(), training)); // + [1, N, D]
    NDList out = new NDList(blocks.size() + 1);
    out.add(null); // logits go first, filled in below
    for (Block block : blocks) {
      NDList y = block.forward(ps, new NDList(x), training, params); // [B, N, D], [B, N, N]
      x = y.get(0);
      out.add(y.get(1));
    }
    NDArray normed = norm.forward(ps, new NDList(x), training, params).singletonOrThrow();
    NDArray pooled = readout.apply(normed); // [B, D]
    out.set(0, head.forward(ps, new NDList(pooled), training, params).singletonOrThrow());
    return out;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long b = inputShapes[0].get(0);
    long n = config.numTokens();
    Shape[] shapes = new Shape[1 + blocks.size()];
    shapes[0] = new Shape(b, config.numClasses());
    for (int l = 0; l < blocks.size(); l++) {
      shapes[l + 1] = new Shape(b, n, n);
    }
    return shapes;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long b = inputShapes[0].get(0);
    Shape tokens = new Shape(b, config.numTokens(), config.embedDim());
    patchEmbed.initialize(manager, dataType, inputShapes[0]);
    for (Block block : blocks) {
      block.initialize(manager, dataType, tokens);
    }
    norm.initialize(manager, dataType, tokens);
    head.initialize(manager, dataType, new Shape(b, config.embedDim()));
  }
}
