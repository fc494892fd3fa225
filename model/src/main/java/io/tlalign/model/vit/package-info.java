/**
 * The Vision Transformer (Dosovitskiy et al., ICLR 2021) in its DeiT/timm form, as DJL blocks named
 * as in the literature: {@link io.tlalign.model.vit.PatchEmbed}, {@link
 * io.tlalign.model.vit.Attention}, {@link io.tlalign.model.vit.Mlp}, {@link
 * io.tlalign.model.vit.Block} and {@link io.tlalign.model.vit.VisionTransformer}, with named
 * presets ({@link io.tlalign.model.vit.VitPresets}), seeded portable initialisation ({@link
 * io.tlalign.model.vit.ParameterInit}) and a model that owns its parameters ({@link
 * io.tlalign.model.vit.VitModel}).
 *
 * <p>Every attention block also returns its head-averaged, detached probabilities, which the
 * TL-Align label path (Xiao et al., ICCV 2023, arXiv 2210.06455) propagates.
 */
package io.tlalign.model.vit;
