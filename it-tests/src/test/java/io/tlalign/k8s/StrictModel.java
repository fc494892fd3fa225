package io.tlalign.k8s;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a manifest into a typed model with unknown fields failing. The operator's spec classes are
 * annotated {@code @JsonIgnoreProperties(ignoreUnknown = true)} (the operator tolerates fields of
 * newer CRD versions), which overrides FAIL_ON_UNKNOWN_PROPERTIES, so the introspector here drops
 * that flag. Fabric8's Kubernetes classes keep unknown fields in {@code additionalProperties}
 * instead of failing, so those are checked to be empty, everywhere in the object graph.
 */
final class StrictModel {

  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .setAnnotationIntrospector(
              new JacksonAnnotationIntrospector() {
                @Override
                public JsonIgnoreProperties.Value findPropertyIgnoralByName(
                    MapperConfig<?> config, Annotated a) {
                  return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
                }
              })
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private StrictModel() {}

  static <T> T read(JsonNode manifest, Class<T> type) {
    T value;
    try {
      value = MAPPER.treeToValue(manifest, type);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
    List<String> unknown = new ArrayList<>();
    walk(value, type.getSimpleName(), unknown, Collections.newSetFromMap(new IdentityHashMap<>()));
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown fields in " + type.getSimpleName() + ": " + unknown);
    }
    return value;
  }

  private static void walk(Object o, String path, List<String> unknown, Set<Object> seen) {
    if (o == null || !seen.add(o)) {
      return;
    }
    if (o instanceof Map<?, ?> m) {
      m.forEach((k, v) -> walk(v, path + "." + k, unknown, seen));
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (o instanceof Object[] a) {
      for (int i = 0; i < a.length; i++) {
        walk(a[i], path + "[" + i + "]", unknown, seen);
      }
      return;
    }
    String pkg = o.getClass().getPackageName();
    if (!pkg.startsWith("io.fabric8.kubernetes.api.model")
        && !pkg.startsWith("org.apache.flink.kubernetes.operator.api")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0
          || Modifier.isStatic(m.getModifiers())
          || !m.getName().startsWith("get")
          || m.getName().equals("getClass")
          || m.getReturnType().isPrimitive()
          || m.getDeclaringClass().getPackageName().startsWith("java.")) {
        continue;
      }
      Object child;
      try {
        child = m.invoke(o);
      } catch (Exception e) {
        continue;
      }
      String name = path + "." + m.getName().substring(3);
      if (m.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + " " + extra.keySet());
        }
        continue;
      }
      walk(child, name, unknown, seen);
    }
  }
}
