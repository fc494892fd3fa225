package io.tlalign.alignment;

/**
 * One CutMix draw for a batch.
 *
 * @param box the pasted rectangle in pixels
 * @param sampledLambda the Beta draw, before the box was clipped
 * @param lambda the share of source A by area after clipping: the CutMix target weight
 */
public record CutMixSample(Box box, double sampledLambda, double lambda) {}
