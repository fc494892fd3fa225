package io.tlalign.local.cluster;

/**
 * Where one subtask of a job vertex ran, as Flink's REST API reports it.
 *
 * @param subtask the subtask index
 * @param taskManagerId the TaskManager's resource id ({@code taskmanager-id})
 * @param endpoint the TaskManager's host:port
 * @param status the subtask's execution state (FINISHED for a bounded run that ended)
 */
public record SubtaskPlacement(int subtask, String taskManagerId, String endpoint, String status) {}
