/**
 * Dataset replay: reads a labeled image dataset (Fashion-MNIST, any IDX pair, or a folder of class
 * folders) and writes it to a Kafka topic as {@link io.tlalign.schemas.LabeledImage} records, in a
 * seeded order that each epoch reshuffles, optionally rate-limited.
 *
 * <p>{@link io.tlalign.datasets.DatasetReplayer} is the entry point; {@link
 * io.tlalign.datasets.ReplaySpec} says what to replay and {@link io.tlalign.datasets.ReplaySummary}
 * what happened. The {@code ./tlalign replay} command is a thin adapter over it.
 */
package io.tlalign.datasets;
