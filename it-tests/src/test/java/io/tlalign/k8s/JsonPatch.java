package io.tlalign.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A small RFC 6902 (JSON Patch) applier for the operations the overlays use: {@code add}, {@code
 * replace} and {@code remove}, with RFC 6901 pointers. It fails where kustomize fails: a missing
 * parent, a {@code replace} or {@code remove} of a missing member, an index out of range, or any
 * other operation.
 */
final class JsonPatch {

  private JsonPatch() {}

  /** Applies {@code ops} (a JSON array of operations) to a copy of {@code doc}. */
  static JsonNode apply(JsonNode doc, JsonNode ops) {
    if (!ops.isArray()) {
      throw new IllegalArgumentException("a JSON patch is an array of operations, got " + ops);
    }
    JsonNode result = doc.deepCopy();
    for (JsonNode op : ops) {
      result = applyOne(result, op);
    }
    return result;
  }

  private static JsonNode applyOne(JsonNode doc, JsonNode op) {
    String name = text(op, "op");
    String path = text(op, "path");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("patching the whole document is not supported: " + op);
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("a JSON pointer starts with '/': " + path);
    }
    int slash = path.lastIndexOf('/');
    JsonNode parent = resolve(doc, path.substring(0, slash));
    String last = unescape(path.substring(slash + 1));
    switch (name) {
      case "add" -> add(parent, last, value(op), path);
      case "replace" -> replace(parent, last, value(op), path);
      case "remove" -> remove(parent, last, path);
      default -> throw new IllegalArgumentException("unsupported JSON patch op '" + name + "'");
    }
    return doc;
  }

  private static void add(JsonNode parent, String member, JsonNode value, String path) {
    if (parent instanceof ObjectNode o) {
      o.set(member, value.deepCopy());
    } else if (parent instanceof ArrayNode a) {
      if (member.equals("-")) {
        a.add(value.deepCopy());
      } else {
        int i = index(member, a.size() + 1, path);
        a.insert(i, value.deepCopy());
      }
    } else {
      throw new IllegalArgumentException("cannot add under a scalar: " + path);
    }
  }

  private static void replace(JsonNode parent, String member, JsonNode value, String path) {
    if (parent instanceof ObjectNode o) {
      if (!o.has(member)) {
        throw new IllegalArgumentException("replace of a missing member: " + path);
      }
      o.set(member, value.deepCopy());
    } else if (parent instanceof ArrayNode a) {
      a.set(index(member, a.size(), path), value.deepCopy());
    } else {
      throw new IllegalArgumentException("cannot replace under a scalar: " + path);
    }
  }

  private static void remove(JsonNode parent, String member, String path) {
    if (parent instanceof ObjectNode o) {
      if (o.remove(member) == null) {
        throw new IllegalArgumentException("remove of a missing member: " + path);
      }
    } else if (parent instanceof ArrayNode a) {
      a.remove(index(member, a.size(), path));
    } else {
      throw new IllegalArgumentException("cannot remove under a scalar: " + path);
    }
  }

  private static JsonNode resolve(JsonNode doc, String pointer) {
    JsonNode node = doc;
    if (pointer.isEmpty()) {
      return node;
    }
    for (String raw : pointer.substring(1).split("/", -1)) {
      String token = unescape(raw);
      JsonNode next;
      if (node.isArray()) {
        next = node.get(index(token, node.size(), pointer));
      } else if (node.isObject()) {
        next = node.get(token);
      } else {
        next = null;
      }
      if (next == null) {
        throw new IllegalArgumentException("path not found: " + pointer + " (at '" + token + "')");
      }
      node = next;
    }
    return node;
  }

  private static int index(String token, int limit, String path) {
    if (!token.matches("0|[1-9][0-9]*")) {
      throw new IllegalArgumentException("not an array index '" + token + "' in " + path);
    }
    int i = Integer.parseInt(token);
    if (i >= limit) {
      throw new IllegalArgumentException("index " + i + " out of range in " + path);
    }
    return i;
  }

  private static String unescape(String token) {
    return token.replace("~1", "/").replace("~0", "~");
  }

  private static String text(JsonNode op, String field) {
    JsonNode v = op.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException("JSON patch operation without '" + field + "': " + op);
    }
    return v.asText();
  }

  private static JsonNode value(JsonNode op) {
    if (!op.has("value")) {
      throw new IllegalArgumentException("JSON patch operation without 'value': " + op);
    }
    return op.get("value");
  }
}
