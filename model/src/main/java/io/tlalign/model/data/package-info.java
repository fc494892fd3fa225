/**
 * Images into the model's input, as timm's {@code timm/data}: {@link io.tlalign.model.data.U8Image}
 * (8-bit pixels, channel-last) and {@link io.tlalign.model.data.ImageTransforms} (channel
 * conversion, crops, flip, resize, RandomResizedCrop, normalisation, and the evaluation and
 * training transforms composed from them), all pure functions that read one {@link
 * io.tlalign.model.vit.DataConfig} per model. No Flink here; randomness is passed in.
 */
package io.tlalign.model.data;
