/**
 * Rerun continues: what {@code ./tlalign train} needs to pick a crashed or killed run up again from
 * the checkpoints it left behind, and to refuse checkpoints of another job.
 *
 * <pre>
 * checkpoint root/
 *   tlalign-job.properties        JobIdentity: preset, topics, group, batch size, seed
 *   tlalign-finished.properties   FinishedRun: written when a bounded run ends
 *   &lt;job id&gt;/chk-N/_metadata       Flink's completed checkpoints (CheckpointFolder)
 * </pre>
 */
package io.tlalign.job.resume;
