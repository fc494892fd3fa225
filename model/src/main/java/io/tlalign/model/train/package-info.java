/**
 * Training: {@link io.tlalign.model.train.MixedBatch} (what the pairing operator emits), {@link
 * io.tlalign.model.train.MixedBatches} (CutMix from the alignment module's box and pairing), and
 * {@link io.tlalign.model.train.TrainingSession} (model, AdamW and the TL-Align step, with state
 * capture and restore for checkpoints).
 */
package io.tlalign.model.train;
