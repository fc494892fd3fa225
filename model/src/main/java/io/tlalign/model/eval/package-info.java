/** Evaluation without gradients: top-1 accuracy and mean cross-entropy over labeled images. */
package io.tlalign.model.eval;
