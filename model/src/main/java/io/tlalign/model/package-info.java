/**
 * The engine side of the model module: {@link io.tlalign.model.EngineSetup} starts DJL's PyTorch
 * engine offline with fixed thread counts, {@link io.tlalign.model.NoGrad} scopes PyTorch's
 * per-thread grad mode, and {@link io.tlalign.model.NativeArrays} makes arrays whose memory PyTorch
 * owns (see NAN_INVESTIGATION.md for why that matters).
 *
 * <p>Sub-packages: {@code vit} (the Vision Transformer blocks and presets), {@code label} (the
 * TL-Align label path, targets and loss on the device), {@code train} (batches and the training
 * step), {@code eval} (accuracy and loss), {@code optim} (AdamW) and {@code state} (the training
 * state's byte format). Nothing here knows Flink.
 */
package io.tlalign.model;
