package io.tlalign.local.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/** The few reads of Flink's REST API that starting a cluster and checking a run need. */
public final class ClusterRest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;

  ClusterRest(String host, int port) {
    this.base = URI.create("http://" + host + ":" + port);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The REST endpoint, {@code http://host:port}. */
  public URI address() {
    return base;
  }

  /** Whether the REST endpoint answers {@code /overview}. */
  boolean answers() {
    try {
      return get("/overview") != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** Resource ids of the TaskManagers registered with the ResourceManager. */
  public List<String> taskManagerIds() throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
      ids.add(tm.path("id").asText());
    }
    return ids;
  }

  /** The job's state: RUNNING, FINISHED, FAILED, ... */
  public String jobState(JobID job) throws IOException {
    return get("/jobs/" + job).path("state").asText();
  }

  /**
   * Where each subtask of the job vertex that holds operator {@code operatorName} ran (a vertex
   * name is its chained operators' names joined by " -> ").
   */
  public List<SubtaskPlacement> placement(JobID job, String operatorName) throws IOException {
    List<String> names = new ArrayList<>();
    for (JsonNode vertex : get("/jobs/" + job).path("vertices")) {
      String name = vertex.path("name").asText();
      names.add(name);
      if (Arrays.asList(name.split(" -> ")).contains(operatorName)) {
        List<SubtaskPlacement> out = new ArrayList<>();
        for (JsonNode s :
            get("/jobs/" + job + "/vertices/" + vertex.path("id").asText()).path("subtasks")) {
          out.add(
              new SubtaskPlacement(
                  s.path("subtask").asInt(),
                  s.path("taskmanager-id").asText(),
                  s.path("endpoint").asText(),
                  s.path("status").asText()));
        }
        return out;
      }
    }
    throw new IllegalArgumentException(
        "job " + job + " has no vertex with operator \"" + operatorName + "\"; vertices: " + names);
  }

  private JsonNode get(String path) throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + base.resolve(path), e);
    }
    if (response.statusCode() != 200) {
      throw new IOException(
          "GET "
              + base.resolve(path)
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
    }
    return JSON.readTree(response.body());
  }
}
