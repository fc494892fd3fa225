package io.tlalign.model.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the training operator keeps between records, as one value: enough to continue after a
 * restore bit for bit as if nothing had happened.
 *
 * <p>Invariants (checked on construction): the preset is not blank; counters are not negative;
 * parameter names are unique; the optimizer's moments name parameters of this state, with their
 * shapes, in parameter order (a subsequence: frozen parameters have no moments). Lists and the
 * metadata map are copied (the metadata sorted by key); tensor data arrays are not copied (see
 * {@link NamedTensor}); the RNG bytes are copied in and out.
 *
 * <p>Encoding: {@link #toBytes()}, {@link #writeTo(OutputStream)}, {@link #fromBytes(byte[])} and
 * {@link #readFrom(InputStream)} delegate to {@link TrainingStateFormat}, which documents the
 * layout.
 *
 * @param preset the model preset the parameters belong to, e.g. {@code deit-tiny}
 * @param step the number of training steps taken (refused steps excluded)
 * @param refusedSteps the number of steps refused (e.g. for a non-finite gradient norm)
 * @param rngState the training RNG's state, opaque to this class
 * @param parameters the model parameters, in the model's parameter order
 * @param optimizer the optimizer's step count and moments
 * @param metadata small free-form facts about the run (target mode, seed, ...)
 */
public record TrainingState(
    String preset,
    long step,
    long refusedSteps,
    byte[] rngState,
    List<NamedTensor> parameters,
    OptimizerState optimizer,
    SortedMap<String, String> metadata) {

  public TrainingState {
    Objects.requireNonNull(preset, "preset");
    Objects.requireNonNull(rngState, "rngState");
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(metadata, "metadata");
    if (preset.isBlank()) {
      throw new IllegalArgumentException(
          "training state preset is blank; pass the model preset name, e.g. deit-tiny");
    }
    if (step < 0 || refusedSteps < 0) {
      throw new IllegalArgumentException(
          "training state counters must not be negative: step "
              + step
              + ", refused "
              + refusedSteps);
    }
    rngState = rngState.clone();
    parameters = List.copyOf(parameters);
    TreeMap<String, String> sorted = new TreeMap<>();
    metadata.forEach(
        (k, v) ->
            sorted.put(
                Objects.requireNonNull(k, "metadata key"),
                Objects.requireNonNull(v, "metadata value for " + k)));
    metadata = Collections.unmodifiableSortedMap(sorted);
    checkMoments(parameters, optimizer);
  }

  private static void checkMoments(List<NamedTensor> parameters, OptimizerState optimizer) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      if (index.put(parameters.get(i).name(), i) != null) {
        throw new IllegalArgumentException(
            "training state names parameter '"
                + parameters.get(i).name()
                + "' twice; parameter names must be unique");
      }
    }
    int previous = -1;
    for (NamedTensor m : optimizer.firstMoments()) {
      Integer i = index.get(m.name());
      if (i == null) {
        throw new IllegalArgumentException(
            "optimizer moment '"
                + m.name()
                + "' names no parameter of this state; moments and parameters must come from the"
                + " same model");
      }
      NamedTensor p = parameters.get(i);
      if (!p.sameLayout(m)) {
        throw new IllegalArgumentException(
            "optimizer moment "
                + m
                + " does not match parameter "
                + p
                + "; moments must have their parameter's shape");
      }
      if (i <= previous) {
        throw new IllegalArgumentException(
            "optimizer moment '"
                + m.name()
                + "' is out of parameter order; list moments in the order of the parameters");
      }
      previous = i;
    }
  }

  /** A builder: {@code set*} for the required fields, {@code opt*} for the optional ones. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * This state with other parameters and optimizer moments (same names and shapes), everything else
   * kept: what a replica becomes when it applies a round.
   */
  public TrainingState withParameters(
      List<NamedTensor> newParameters, OptimizerState newOptimizer) {
    return builder()
        .setPreset(preset)
        .setStep(step)
        .setParameters(newParameters)
        .optRefusedSteps(refusedSteps)
        .optRngState(rngState)
        .optOptimizer(newOptimizer)
        .optMetadata(metadata)
        .build();
  }

  /** A copy of the RNG state bytes. */
  @Override
  public byte[] rngState() {
    return rngState.clone();
  }

  /** The optimizer's step count. */
  public long optimizerStepCount() {
    return optimizer.stepCount();
  }

  /** The optimizer's first moments, in parameter order. */
  public List<NamedTensor> firstMoments() {
    return optimizer.firstMoments();
  }

  /** The optimizer's second moments, in parameter order. */
  public List<NamedTensor> secondMoments() {
    return optimizer.secondMoments();
  }

  /**
   * Refuses a state written by another model preset, whose parameters cannot be loaded here.
   *
   * @throws IllegalStateException naming both presets
   */
  public void requirePreset(String expected) {
    if (!preset.equals(expected)) {
      throw new IllegalStateException(
          "training state was written by preset '"
              + preset
              + "' but this job runs preset '"
              + expected
              + "'; restore from a checkpoint of a '"
              + expected
              + "' job, or start '"
              + preset
              + "' again, or start without restoring state");
    }
  }

  /** The encoding of this state; see {@link TrainingStateFormat}. */
  public byte[] toBytes() {
    return TrainingStateFormat.toBytes(this);
  }

  /** Writes the encoding of this state to {@code out}; see {@link TrainingStateFormat}. */
  public void writeTo(OutputStream out) throws IOException {
    TrainingStateFormat.writeTo(this, out);
  }

  /** Decodes and fully verifies a state; see {@link TrainingStateFormat#fromBytes(byte[])}. */
  public static TrainingState fromBytes(byte[] bytes) throws CorruptTrainingStateException {
    return TrainingStateFormat.fromBytes(bytes);
  }

  /** Reads and fully verifies a state; see {@link TrainingStateFormat#readFrom(InputStream)}. */
  public static TrainingState readFrom(InputStream in) throws IOException {
    return TrainingStateFormat.readFrom(in);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof TrainingState other
        && preset.equals(other.preset)
        && step == other.step
        && refusedSteps == other.refusedSteps
        && Arrays.equals(rngState, other.rngState)
        && parameters.equals(other.parameters)
        && optimizer.equals(other.optimizer)
        && metadata.equals(other.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        preset, step, refusedSteps, Arrays.hashCode(rngState), parameters, optimizer, metadata);
  }

  @Override
  public String toString() {
    return "TrainingState[preset="
        + preset
        + ", step="
        + step
        + ", refusedSteps="
        + refusedSteps
        + ", optimizerStep="
        + optimizer.stepCount()
        + ", parameters="
        + parameters.size()
        + ", rngState="
        + rngState.length
        + " bytes, metadata="
        + metadata
        + "]";
  }

  /** Builds a {@link TrainingState}; every check is made by the record's constructor. */
  public static final class Builder {
    private String preset;
    private Long step;
    private long refusedSteps;
    private byte[] rngState = new byte[0];
    private List<NamedTensor> parameters;
    private OptimizerState optimizer = OptimizerState.initial();
    private final TreeMap<String, String> metadata = new TreeMap<>();

    private Builder() {}

    public Builder setPreset(String preset) {
      this.preset = preset;
      return this;
    }

    public Builder setStep(long step) {
      this.step = step;
      return this;
    }

    public Builder setParameters(List<NamedTensor> parameters) {
      this.parameters = parameters;
      return this;
    }

    public Builder optRefusedSteps(long refusedSteps) {
      this.refusedSteps = refusedSteps;
      return this;
    }

    public Builder optRngState(byte[] rngState) {
      this.rngState = rngState;
      return this;
    }

    public Builder optOptimizer(OptimizerState optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder optMetadata(String key, String value) {
      metadata.put(key, value);
      return this;
    }

    public Builder optMetadata(Map<String, String> entries) {
      metadata.putAll(entries);
      return this;
    }

    public TrainingState build() {
      if (preset == null || step == null || parameters == null) {
        throw new IllegalStateException(
            "training state builder needs setPreset, setStep and setParameters before build()");
      }
      return new TrainingState(
          preset, step, refusedSteps, rngState, parameters, optimizer, metadata);
    }
  }
}
