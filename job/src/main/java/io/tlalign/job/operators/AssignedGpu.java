package io.tlalign.job.operators;

import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * The GPU a training subtask owns: the one Flink's external resource framework (resource {@code
 * gpu}) assigned to its task manager, or the CPU where there is none.
 */
public final class AssignedGpu {

  private AssignedGpu() {}

  /** The GPU index from Flink's external resource {@code gpu}, or -1 for the CPU. */
  public static int of(RuntimeContext rc) {
    for (ExternalResourceInfo info : rc.getExternalResourceInfos("gpu")) {
      var index = info.getProperty("index");
      if (index.isPresent()) {
        return Integer.parseInt(index.get());
      }
    }
    return -1;
  }
}
