package io.tlalign.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * A scope in which PyTorch records no autograd graph on the current thread, restoring the previous
 * mode on close (like {@code torch.no_grad()}).
 *
 * <p>PyTorch's grad mode is per thread and starts enabled on every thread except the one that
 * loaded the engine (DJL switches it off there only). A Flink task thread therefore records a graph
 * for every forward pass unless told otherwise, and an in-place update of a parameter in such a
 * thread fails. Evaluation and optimizer updates run inside this scope.
 */
public final class NoGrad implements AutoCloseable {

  private final boolean previous;

  private NoGrad() {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
  }

  /** Switches gradient recording off for this thread until {@link #close()}. */
  public static NoGrad enter() {
    return new NoGrad();
  }

  /** Whether the current thread records gradients. */
  public static boolean isRecording() {
    return JniUtils.isGradMode();
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
