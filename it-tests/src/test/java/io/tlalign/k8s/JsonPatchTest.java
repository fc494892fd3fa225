package io.tlalign.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The test-side JSON 6902 applier behaves like kustomize's on the operations the overlays use. */
class JsonPatchTest {

  private static JsonNode yaml(String s) throws Exception {
    return Kustomize.YAML.readTree(s);
  }

  private static final String DOC =
      """
      spec:
        conf: {a.b: "1", "x/y": "2"}
        list: [{name: one}, {name: two}]
      """;

  @Test
  void addReplaceRemoveOnMapsAndLists() throws Exception {
    JsonNode out =
        JsonPatch.apply(
            yaml(DOC),
            yaml(
                """
                - {op: add, path: /spec/conf/c.d, value: "3"}
                - {op: replace, path: /spec/conf/a.b, value: "9"}
                - {op: remove, path: /spec/conf/x~1y}
                - {op: add, path: /spec/list/-, value: {name: three}}
                - {op: add, path: /spec/list/0, value: {name: zero}}
                - {op: replace, path: /spec/list/1/name, value: uno}
                - {op: remove, path: /spec/list/2}
                """));
    assertThat(out.at("/spec/conf").toString()).isEqualTo("{\"a.b\":\"9\",\"c.d\":\"3\"}");
    assertThat(out.at("/spec/list").toString())
        .isEqualTo("[{\"name\":\"zero\"},{\"name\":\"uno\"},{\"name\":\"three\"}]");
  }

  @Test
  void addOverwritesAnExistingMember() throws Exception {
    JsonNode out =
        JsonPatch.apply(yaml(DOC), yaml("- {op: add, path: /spec/conf/a.b, value: \"7\"}"));
    assertThat(out.at("/spec/conf/a.b").asText()).isEqualTo("7");
  }

  @Test
  void leavesTheInputUntouched() throws Exception {
    JsonNode in = yaml(DOC);
    JsonPatch.apply(in, yaml("- {op: remove, path: /spec/conf}"));
    assertThat(in.at("/spec/conf/a.b").asText()).isEqualTo("1");
  }

  @Test
  void failsWhereKustomizeFails() throws Exception {
    JsonNode doc = yaml(DOC);
    assertThatThrownBy(
            () -> JsonPatch.apply(doc, yaml("- {op: replace, path: /spec/conf/zz, value: 1}")))
        .hasMessageContaining("missing member");
    assertThatThrownBy(() -> JsonPatch.apply(doc, yaml("- {op: remove, path: /spec/nope}")))
        .hasMessageContaining("missing member");
    assertThatThrownBy(
            () -> JsonPatch.apply(doc, yaml("- {op: add, path: /spec/missing/x, value: 1}")))
        .hasMessageContaining("path not found");
    assertThatThrownBy(() -> JsonPatch.apply(doc, yaml("- {op: remove, path: /spec/list/5}")))
        .hasMessageContaining("out of range");
    assertThatThrownBy(
            () -> JsonPatch.apply(doc, yaml("- {op: move, from: /spec/conf, path: /spec/c}")))
        .hasMessageContaining("unsupported");
    assertThatThrownBy(() -> JsonPatch.apply(doc, yaml("{op: remove, path: /spec}")))
        .hasMessageContaining("array of operations");
  }

  @Test
  void targetsSelectByGroupKindAndName() throws Exception {
    JsonNode topic =
        yaml("{apiVersion: kafka.strimzi.io/v1beta2, kind: KafkaTopic, metadata: {name: t}}");
    assertThat(Kustomize.matches(yaml("{kind: KafkaTopic}"), topic)).isTrue();
    assertThat(
            Kustomize.matches(yaml("{group: kafka.strimzi.io, kind: KafkaTopic, name: t}"), topic))
        .isTrue();
    assertThat(Kustomize.matches(yaml("{kind: KafkaTopic, name: u}"), topic)).isFalse();
    assertThat(Kustomize.matches(yaml("{group: batch, kind: KafkaTopic}"), topic)).isFalse();
    JsonNode job = yaml("{apiVersion: batch/v1, kind: Job, metadata: {name: j}}");
    assertThat(Kustomize.matches(yaml("{group: batch, version: v1, kind: Job}"), job)).isTrue();
  }
}
