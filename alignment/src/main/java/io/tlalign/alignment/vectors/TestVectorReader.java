package io.tlalign.alignment.vectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tlalign.alignment.Box;
import io.tlalign.alignment.Pooling;
import io.tlalign.alignment.TokenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Reads a test-vector file strictly: every field present, of the right type and shape, so that a
 * bad file fails with one line that names the field, never with a half-read case.
 */
public final class TestVectorReader {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TestVectorReader() {}

  public static TestVector read(Path file) throws MalformedTestVectorException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new MalformedTestVectorException(
          "not valid JSON at line "
              + e.getLocation().getLineNr()
              + " column "
              + e.getLocation().getColumnNr()
              + ": "
              + e.getOriginalMessage().lines().findFirst().orElse(""),
          e);
    } catch (IOException e) {
      throw new MalformedTestVectorException("cannot read file: " + e, e);
    }
    if (root == null || !root.isObject()) {
      throw new MalformedTestVectorException("top level is not a JSON object");
    }
    return parse(new Fields(root, ""));
  }

  /** What {@code make} builds; its IllegalArgumentException is the vector's fault, same message. */
  private static <T> T valid(Supplier<T> make) throws MalformedTestVectorException {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      throw new MalformedTestVectorException(e.getMessage());
    }
  }

  private static TestVector parse(Fields f) throws MalformedTestVectorException {
    String format = f.text("format");
    if (!TestVector.FORMAT.equals(format)) {
      throw new MalformedTestVectorException(
          "format is \"" + format + "\", expected \"" + TestVector.FORMAT + "\"");
    }
    int h = f.positiveInt("image_height");
    int w = f.positiveInt("image_width");
    int p = f.positiveInt("patch_size");
    boolean cls = f.bool("has_cls_token");
    TokenLayout layout = valid(() -> new TokenLayout(h, w, p, cls));
    f.expectInt("grid_height", layout.gridHeight());
    f.expectInt("grid_width", layout.gridWidth());
    int n = f.expectInt("num_tokens", layout.numTokens());
    String poolingName = f.text("pooling");
    Pooling pooling = valid(() -> Pooling.parse(poolingName));
    int b = f.positiveInt("batch_size");
    int heads = f.positiveInt("num_heads");
    int layers = f.positiveInt("num_layers");
    int k = f.positiveInt("num_classes");
    double smoothing = f.number("label_smoothing");
    Fields boxFields = f.object("box");
    Box box;
    try {
      box =
          new Box(
              boxFields.intValue("y0"),
              boxFields.intValue("y1"),
              boxFields.intValue("x0"),
              boxFields.intValue("x1"));
      box.lambda(h, w);
    } catch (IllegalArgumentException e) {
      throw new MalformedTestVectorException("box: " + e.getMessage());
    }
    Fields expected = f.object("expected");
    return new TestVector(
        f.text("name"),
        layout,
        pooling,
        b,
        heads,
        layers,
        k,
        smoothing,
        box,
        f.number("lam"),
        f.intMatrix("pixel_mask", h, w),
        f.intVector("labels", b),
        f.intVector("labels_a", b),
        f.intVector("labels_b", b),
        f.array5("attention", layers, b, heads, n, n),
        f.array2("logits", b, k),
        new TestVector.Expected(
            expected.array3("initial_weights", b, n, 2),
            expected.array4("mean_attention", layers, b, n, n),
            expected.array4("aligned_weights", layers, b, n, 2),
            expected.array2("final_weights", b, 2),
            expected.array2("target", b, k),
            expected.array2("cutmix_target", b, k),
            expected.number("loss"),
            expected.number("cutmix_loss")));
  }

  /** Typed access to one JSON object, with the path of every field in error messages. */
  private record Fields(JsonNode node, String prefix) {

    JsonNode field(String name) throws MalformedTestVectorException {
      JsonNode v = node.get(name);
      if (v == null || v.isNull()) {
        throw new MalformedTestVectorException("missing field " + prefix + name);
      }
      return v;
    }

    Fields object(String name) throws MalformedTestVectorException {
      JsonNode v = field(name);
      if (!v.isObject()) {
        throw new MalformedTestVectorException(prefix + name + " is not an object");
      }
      return new Fields(v, prefix + name + ".");
    }

    String text(String name) throws MalformedTestVectorException {
      JsonNode v = field(name);
      if (!v.isTextual()) {
        throw new MalformedTestVectorException(prefix + name + " is not a string");
      }
      return v.asText();
    }

    boolean bool(String name) throws MalformedTestVectorException {
      JsonNode v = field(name);
      if (!v.isBoolean()) {
        throw new MalformedTestVectorException(prefix + name + " is not true or false");
      }
      return v.asBoolean();
    }

    int intValue(String name) throws MalformedTestVectorException {
      return toInt(field(name), prefix + name);
    }

    int positiveInt(String name) throws MalformedTestVectorException {
      int v = intValue(name);
      if (v <= 0) {
        throw new MalformedTestVectorException(prefix + name + " must be > 0, got " + v);
      }
      return v;
    }

    int expectInt(String name, int expected) throws MalformedTestVectorException {
      int v = intValue(name);
      if (v != expected) {
        throw new MalformedTestVectorException(
            prefix + name + " is " + v + " but the sizes give " + expected);
      }
      return v;
    }

    double number(String name) throws MalformedTestVectorException {
      return toDouble(field(name), prefix + name);
    }

    int[] intVector(String name, int len) throws MalformedTestVectorException {
      JsonNode a = sized(field(name), prefix + name, len);
      int[] out = new int[len];
      for (int i = 0; i < len; i++) {
        out[i] = toInt(a.get(i), prefix + name + "[" + i + "]");
      }
      return out;
    }

    int[][] intMatrix(String name, int rows, int cols) throws MalformedTestVectorException {
      JsonNode a = sized(field(name), prefix + name, rows);
      int[][] out = new int[rows][cols];
      for (int i = 0; i < rows; i++) {
        String path = prefix + name + "[" + i + "]";
        JsonNode row = sized(a.get(i), path, cols);
        for (int j = 0; j < cols; j++) {
          out[i][j] = toInt(row.get(j), path + "[" + j + "]");
        }
      }
      return out;
    }

    double[][] array2(String name, int d0, int d1) throws MalformedTestVectorException {
      return doubles2(field(name), prefix + name, d0, d1);
    }

    double[][][] array3(String name, int d0, int d1, int d2) throws MalformedTestVectorException {
      JsonNode a = sized(field(name), prefix + name, d0);
      double[][][] out = new double[d0][][];
      for (int i = 0; i < d0; i++) {
        out[i] = doubles2(a.get(i), prefix + name + "[" + i + "]", d1, d2);
      }
      return out;
    }

    double[][][][] array4(String name, int d0, int d1, int d2, int d3)
        throws MalformedTestVectorException {
      JsonNode a = sized(field(name), prefix + name, d0);
      double[][][][] out = new double[d0][d1][][];
      for (int i = 0; i < d0; i++) {
        JsonNode ai = sized(a.get(i), prefix + name + "[" + i + "]", d1);
        for (int j = 0; j < d1; j++) {
          out[i][j] = doubles2(ai.get(j), prefix + name + "[" + i + "][" + j + "]", d2, d3);
        }
      }
      return out;
    }

    double[][][][][] array5(String name, int d0, int d1, int d2, int d3, int d4)
        throws MalformedTestVectorException {
      JsonNode a = sized(field(name), prefix + name, d0);
      double[][][][][] out = new double[d0][d1][d2][][];
      for (int i = 0; i < d0; i++) {
        JsonNode ai = sized(a.get(i), prefix + name + "[" + i + "]", d1);
        for (int j = 0; j < d1; j++) {
          JsonNode aij = sized(ai.get(j), prefix + name + "[" + i + "][" + j + "]", d2);
          for (int h = 0; h < d2; h++) {
            out[i][j][h] =
                doubles2(aij.get(h), prefix + name + "[" + i + "][" + j + "][" + h + "]", d3, d4);
          }
        }
      }
      return out;
    }

    private static double[][] doubles2(JsonNode a, String path, int d0, int d1)
        throws MalformedTestVectorException {
      sized(a, path, d0);
      double[][] out = new double[d0][d1];
      for (int i = 0; i < d0; i++) {
        JsonNode row = sized(a.get(i), path + "[" + i + "]", d1);
        for (int j = 0; j < d1; j++) {
          out[i][j] = toDouble(row.get(j), path + "[" + i + "][" + j + "]");
        }
      }
      return out;
    }

    private static JsonNode sized(JsonNode a, String path, int len)
        throws MalformedTestVectorException {
      if (a == null || !a.isArray()) {
        throw new MalformedTestVectorException(path + " is not an array");
      }
      if (a.size() != len) {
        throw new MalformedTestVectorException(
            path + " has " + a.size() + " entries, expected " + len);
      }
      return a;
    }

    private static int toInt(JsonNode v, String path) throws MalformedTestVectorException {
      if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
        throw new MalformedTestVectorException(path + " is not an integer");
      }
      return v.asInt();
    }

    private static double toDouble(JsonNode v, String path) throws MalformedTestVectorException {
      if (v == null || !v.isNumber()) {
        throw new MalformedTestVectorException(path + " is not a number");
      }
      return v.asDouble();
    }
  }
}
