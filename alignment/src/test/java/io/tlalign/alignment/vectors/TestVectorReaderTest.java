package io.tlalign.alignment.vectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tlalign.alignment.SharedTestVectors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestVectorReaderTest {

  @TempDir Path dir;

  private final ObjectMapper json = new ObjectMapper();

  private ObjectNode firstVector() throws Exception {
    return (ObjectNode) json.readTree(SharedTestVectors.files().get(0).toFile());
  }

  private Path write(String name, Object content) throws Exception {
    Path p = dir.resolve(name);
    if (content instanceof String s) {
      Files.writeString(p, s);
    } else {
      json.writeValue(p.toFile(), content);
    }
    return p;
  }

  @Test
  void notJsonIsRefusedWithItsPosition() throws Exception {
    Path p = write("bad.json", "{\"format\": ");
    assertThatThrownBy(() -> TestVectorReader.read(p))
        .isInstanceOf(MalformedTestVectorException.class)
        .hasMessageStartingWith("not valid JSON at line 1");
  }

  @Test
  void aMissingFieldIsNamed() throws Exception {
    ObjectNode v = firstVector();
    ((ObjectNode) v.get("expected")).remove("target");
    Path p = write("missing.json", v);
    assertThatThrownBy(() -> TestVectorReader.read(p))
        .isInstanceOf(MalformedTestVectorException.class)
        .hasMessage("missing field expected.target");
  }

  @Test
  void aWrongShapeIsNamedWithItsIndex() throws Exception {
    ObjectNode v = firstVector();
    ((ArrayNode) v.get("attention").get(1).get(0).get(1)).remove(3);
    Path p = write("shape.json", v);
    assertThatThrownBy(() -> TestVectorReader.read(p))
        .isInstanceOf(MalformedTestVectorException.class)
        .hasMessageContaining("attention[1][0][1] has 16 entries, expected 17");
  }

  @Test
  void anUnknownFormatIsRefused() throws Exception {
    ObjectNode v = firstVector();
    v.put("format", "tl-align-testvector/2");
    Path p = write("format.json", v);
    assertThatThrownBy(() -> TestVectorReader.read(p))
        .hasMessageContaining("expected \"tl-align-testvector/1\"");
  }

  @Test
  void anAlteredExpectedValueFailsConformance() throws Exception {
    ObjectNode v = firstVector();
    ArrayNode row = (ArrayNode) v.get("expected").get("target").get(0);
    row.set(0, row.get(0).asDouble() + 1e-6);
    TestVector tv = TestVectorReader.read(write("altered.json", v));
    ConformanceReport r = ConformanceCheck.check(tv);
    assertThat(r.passes(1e-9)).isFalse();
    assertThat(r.worstField()).isEqualTo("expected.target");
    assertThat(r.maxAbsError()).isBetween(0.9e-6, 1.1e-6);
  }
}
