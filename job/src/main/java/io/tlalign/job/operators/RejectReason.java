package io.tlalign.job.operators;

/**
 * Why a record was dead-lettered, beyond the codec's own decode reasons ({@code
 * RecordDecodeException.Reason}, whose names are used as they are). The names are the reason codes
 * on the dead-letter topic and in the metrics: keep them stable.
 */
public enum RejectReason {
  NULL_KEY,
  LABEL_NEGATIVE,
  LABEL_OUT_OF_RANGE,
  BAD_DIMENSIONS,
  PIXEL_SIZE_MISMATCH,
  UNDECODABLE_PNG,
  UNDECODABLE_JPEG,
  OVERSIZED_IMAGE
}
