package io.tlalign.schemas;

/**
 * Default Kafka topic names, in one place so that producers, the Flink job, tests and deployment
 * files cannot drift apart. Each is only a default: the job and tools take the actual names from
 * their configuration.
 */
public final class Topics {

  /** {@link LabeledImage} records the job trains on. */
  public static final String IMAGES_TRAIN = "images.train";

  /** {@link LabeledImage} records the job only evaluates on, never trains on. */
  public static final String IMAGES_EVAL = "images.eval";

  /** {@link DeadLetter} records: input the job could not use, with the reason. */
  public static final String IMAGES_DEADLETTER = "images.deadletter";

  /** {@link TrainingMetric} records, one per reported training step. */
  public static final String METRICS = "tlalign.metrics";

  /** {@link ModelRef} records pointing at published models (never the model bytes). */
  public static final String MODELS = "tlalign.models";

  private Topics() {}
}
