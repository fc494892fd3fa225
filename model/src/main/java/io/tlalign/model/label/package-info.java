/**
 * The TL-Align label path on the model's device (Xiao et al., "Token-Label Alignment for Vision
 * Transformers", ICCV 2023, arXiv 2210.06455): token source weights propagated through the blocks'
 * attention ({@link io.tlalign.model.label.LabelPropagation}), soft targets ({@link
 * io.tlalign.model.label.SoftTargets}) and the soft-target cross-entropy ({@link
 * io.tlalign.model.label.SoftTargetLoss}). The float64 reference is the alignment module; the
 * shared test vectors hold both to the same numbers.
 */
package io.tlalign.model.label;
