/**
 * The model's doors: weights in and out in the formats of the wider PyTorch world. A safetensors
 * reader and writer ({@link io.tlalign.model.weights.Safetensors}), the name maps between this
 * model, timm and Hugging Face ({@link io.tlalign.model.weights.WeightNames}), and the strict,
 * timm-style loading of a foreign checkpoint into a preset ({@link
 * io.tlalign.model.weights.PretrainedWeights}).
 */
package io.tlalign.model.weights;
