package io.tlalign.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The subset of {@code kustomize build} that k8s/ uses: {@code resources} (files and folders),
 * {@code namespace}, {@code labels} (metadata only) and {@code patches} with a {@code target} and a
 * JSON 6902 patch file. Anything else in a kustomization fails, so the tests never pass on a
 * feature this does not model.
 */
final class Kustomize {

  static final ObjectMapper YAML = new YAMLMapper();

  private static final Set<String> SUPPORTED =
      Set.of("apiVersion", "kind", "namespace", "labels", "resources", "patches");

  private Kustomize() {}

  /** The repository's k8s/ folder (tests run in it-tests/, or the repository root). */
  static Path k8sDir() {
    for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("k8s");
      if (Files.isDirectory(candidate.resolve("base"))) {
        return candidate;
      }
    }
    throw new IllegalStateException("no k8s/base above " + Paths.get("").toAbsolutePath());
  }

  /** Every YAML document of a file (empty documents skipped). */
  static List<JsonNode> readAll(Path file) {
    try (var parser = new YAMLFactory().createParser(file.toFile())) {
      List<JsonNode> docs = new ArrayList<>();
      var it = YAML.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isMissingNode() && !doc.isNull()) {
          docs.add(doc);
        }
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot parse " + file, e);
    }
  }

  static JsonNode readOne(Path file) {
    List<JsonNode> docs = readAll(file);
    if (docs.size() != 1) {
      throw new IllegalArgumentException(file + ": expected one document, got " + docs.size());
    }
    return docs.get(0);
  }

  /** The resources a kustomization folder builds to. */
  static List<JsonNode> build(Path dir) {
    JsonNode k = readOne(dir.resolve("kustomization.yaml"));
    k.fieldNames()
        .forEachRemaining(
            f -> {
              if (!SUPPORTED.contains(f)) {
                throw new IllegalArgumentException(
                    dir + "/kustomization.yaml: '" + f + "' is not modelled by the tests");
              }
            });
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      if (Files.isDirectory(p)) {
        out.addAll(build(p));
      } else {
        out.addAll(readAll(p));
      }
    }
    for (JsonNode patch : k.path("patches")) {
      JsonNode target = patch.get("target");
      if (target == null || !patch.has("path")) {
        throw new IllegalArgumentException(dir + ": a patch needs a target and a path: " + patch);
      }
      JsonNode ops = readOne(dir.resolve(patch.get("path").asText()));
      int hits = 0;
      for (int i = 0; i < out.size(); i++) {
        if (matches(target, out.get(i))) {
          out.set(i, JsonPatch.apply(out.get(i), ops));
          hits++;
        }
      }
      if (hits == 0) {
        throw new IllegalArgumentException(dir + ": patch target matches nothing: " + target);
      }
    }
    if (k.has("namespace")) {
      for (JsonNode r : out) {
        ((ObjectNode) r)
            .withObjectProperty("metadata")
            .put("namespace", k.get("namespace").asText());
      }
    }
    for (JsonNode l : k.path("labels")) {
      for (JsonNode r : out) {
        ObjectNode labels =
            ((ObjectNode) r).withObjectProperty("metadata").withObjectProperty("labels");
        l.path("pairs").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue()));
      }
    }
    return out;
  }

  /** kustomize's target selector: group, version, kind and name, each optional. */
  static boolean matches(JsonNode target, JsonNode resource) {
    String apiVersion = resource.path("apiVersion").asText();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    for (String f : List.of("group", "version", "kind", "name")) {
      if (!target.has(f)) {
        continue;
      }
      String want = target.get(f).asText();
      String have =
          switch (f) {
            case "group" -> group;
            case "version" -> version;
            case "kind" -> resource.path("kind").asText();
            default -> resource.path("metadata").path("name").asText();
          };
      if (!want.equals(have)) {
        return false;
      }
    }
    for (String f : List.of("namespace", "labelSelector", "annotationSelector")) {
      if (target.has(f)) {
        throw new IllegalArgumentException("target." + f + " is not modelled by the tests");
      }
    }
    return true;
  }

  static List<JsonNode> ofKind(List<JsonNode> resources, String kind) {
    return resources.stream().filter(r -> kind.equals(r.path("kind").asText())).toList();
  }

  static JsonNode single(List<JsonNode> resources, String kind) {
    List<JsonNode> found = ofKind(resources, kind);
    if (found.size() != 1) {
      throw new IllegalArgumentException("expected one " + kind + ", got " + found.size());
    }
    return found.get(0);
  }
}
