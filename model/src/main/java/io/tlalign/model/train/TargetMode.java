package io.tlalign.model.train;

/** Which soft target a training step uses for a mixed batch. */
public enum TargetMode {
  /**
   * TL-Align (Xiao et al., ICCV 2023): the sources' labels weighted by how much of each the class
   * token actually attended to, propagated through every block's attention.
   */
  TLALIGN,
  /** Plain CutMix (Yun et al., ICCV 2019): the labels weighted by area, lambda and 1 - lambda. */
  CUTMIX,
  /** No mixing in the target: each sample's own (smoothed) label. For unmixed batches. */
  NONE
}
