/**
 * AdamW with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019), global gradient-norm clipping and a warm-up plus cosine
 * learning-rate schedule, on DJL's PyTorch engine.
 *
 * <p>Written here rather than taken from DJL because DJL's optimizers keep their moments private:
 * ours are visible and serializable, so that a Flink checkpoint captures them and a restore
 * continues bit for bit.
 */
package io.tlalign.model.optim;
