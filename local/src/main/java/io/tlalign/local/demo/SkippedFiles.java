package io.tlalign.local.demo;

import io.tlalign.datasets.ProgressListener;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The files a demo left out, each once with its first reason, whether the replay refused it (in any
 * epoch) or the test split could not decode it. Ids name the split, so a file is counted once
 * however many epochs read it.
 */
final class SkippedFiles implements ProgressListener {

  private final Map<String, String> reasons = new LinkedHashMap<>();

  @Override
  public synchronized void onSkipped(String imageId, String reason) {
    reasons.putIfAbsent(imageId, reason);
  }

  /** Id to reason, in the order they were first met. */
  synchronized Map<String, String> reasons() {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(reasons));
  }

  synchronized int count() {
    return reasons.size();
  }
}
