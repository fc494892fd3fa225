package io.tlalign.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The import graph of the main sources: modules depend one way (schemas, alignment, model, job,
 * then datasets, kafka-local, local, cli), and no two packages import each other, directly or
 * around a cycle.
 */
class ImportGraphTest {

  /** Each module and the modules its main sources may use, in build order. */
  private static final Map<String, Set<String>> MODULES = new LinkedHashMap<>();

  static {
    MODULES.put("schemas", Set.of());
    MODULES.put("alignment", Set.of("schemas"));
    MODULES.put("model", Set.of("schemas", "alignment"));
    MODULES.put("job", Set.of("schemas", "alignment", "model"));
    MODULES.put("datasets", Set.of("schemas", "alignment", "model", "job"));
    MODULES.put("kafka-local", Set.of());
    MODULES.put("local", Set.of("schemas", "alignment", "model", "job", "datasets", "kafka-local"));
    MODULES.put(
        "cli", Set.of("schemas", "alignment", "model", "job", "datasets", "kafka-local", "local"));
  }

  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
  private static final Pattern IMPORT =
      Pattern.compile("(?m)^import (?:static )?(io\\.tlalign\\.[\\w.]+?)\\.[A-Z]");

  /** Fully qualified uses in code, e.g. {@code io.tlalign.job.sync.SyncSink.maxMessageBytes}. */
  private static final Pattern QUALIFIED =
      Pattern.compile("\\b(io\\.tlalign(?:\\.[a-z]\\w*)+)\\.[A-Z]");

  private record Source(String module, String pkg, Set<String> uses) {}

  private static List<Source> sources() throws IOException {
    List<Source> out = new ArrayList<>();
    for (String module : MODULES.keySet()) {
      Path main = Layout.root().resolve(module).resolve("src/main/java");
      if (!Files.isDirectory(main)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(main)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String text = Files.readString(f);
          Matcher pm = PACKAGE.matcher(text);
          if (!pm.find()) {
            continue;
          }
          // Comments and strings name classes without using them.
          String code =
              text.replaceAll("(?s)/\\*.*?\\*/", "")
                  .replaceAll("//[^\\n]*", "")
                  .replaceAll("\"(?:\\\\.|[^\"\\\\\\n])*\"", "\"\"");
          Set<String> uses = new TreeSet<>();
          for (Pattern p : List.of(IMPORT, QUALIFIED)) {
            Matcher m = p.matcher(code);
            while (m.find()) {
              uses.add(m.group(1));
            }
          }
          uses.remove(pm.group(1));
          out.add(new Source(module, pm.group(1), uses));
        }
      }
    }
    return out;
  }

  @Test
  void modulesDependOneWay() throws IOException {
    List<Source> all = sources();
    Map<String, String> owner = new TreeMap<>();
    all.forEach(s -> owner.put(s.pkg(), s.module()));
    List<String> wrong = new ArrayList<>();
    for (Source s : all) {
      for (String used : s.uses()) {
        String m = owner.get(used);
        if (m != null && !m.equals(s.module()) && !MODULES.get(s.module()).contains(m)) {
          wrong.add(s.pkg() + " (" + s.module() + ") -> " + used + " (" + m + ")");
        }
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void noPackageCycles() throws IOException {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (Source s : sources()) {
      graph.computeIfAbsent(s.pkg(), k -> new TreeSet<>()).addAll(s.uses());
    }
    List<String> cycles = new ArrayList<>();
    for (String start : graph.keySet()) {
      List<String> path = cycleThrough(start, graph);
      if (path != null) {
        cycles.add(String.join(" -> ", path));
      }
    }
    assertThat(cycles).isEmpty();
  }

  /** A path start -> ... -> start, or null. */
  private static List<String> cycleThrough(String start, Map<String, Set<String>> graph) {
    Map<String, String> parent = new LinkedHashMap<>();
    List<String> queue = new ArrayList<>(List.of(start));
    for (int i = 0; i < queue.size(); i++) {
      String at = queue.get(i);
      for (String next : graph.getOrDefault(at, Set.of())) {
        if (next.equals(start)) {
          List<String> path = new ArrayList<>(List.of(start));
          for (String p = at; p != null && !p.equals(start); p = parent.get(p)) {
            path.add(1, p);
          }
          path.add(start);
          return path;
        }
        if (graph.containsKey(next) && !parent.containsKey(next)) {
          parent.put(next, at);
          queue.add(next);
        }
      }
    }
    return null;
  }
}
