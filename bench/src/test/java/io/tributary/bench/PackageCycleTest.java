package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
 * No package of ours depends, through {@code import io.tributary...} lines, on a package that depends back on it: a
 * cycle means two packages are really one, or a type sits in the wrong one. Scans every module's main sources (bench
 * is the module that sees them all). References by fully qualified name without an import are not seen.
 */
class PackageCycleTest {
    private static final Pattern PACKAGE = Pattern.compile("^package (io\\.tributary[\\w.]*);", Pattern.MULTILINE);
    private static final Pattern IMPORT =
            Pattern.compile("^import (?:static )?(io\\.tributary(?:\\.[a-z]\\w*)*)\\.[A-Z]", Pattern.MULTILINE);

    @Test
    void mainSourcesOfEveryModule_haveNoPackageCycle() throws IOException {
        Path root = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
        Map<String, Set<String>> imports = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> f.toString().contains("/src/main/java/")
                            && !f.toString().contains("/target/"))
                    .forEach(f -> addImports(f, imports));
        }
        assertThat(imports).as("packages found under %s", root).containsKeys("io.tributary.sim", "io.tributary.bench");
        assertThat(cycles(imports)).isEmpty();
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> imports =
                Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));
        assertThat(cycles(imports)).containsExactly(List.of("a", "b", "c"));
    }

    private static void addImports(Path file, Map<String, Set<String>> imports) {
        try {
            String source = Files.readString(file);
            Matcher p = PACKAGE.matcher(source);
            if (!p.find()) {
                return;
            }
            Set<String> to = imports.computeIfAbsent(p.group(1), k -> new TreeSet<>());
            for (Matcher m = IMPORT.matcher(source); m.find(); ) {
                if (!m.group(1).equals(p.group(1))) {
                    to.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tarjan's strongly connected components of more than one package, each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        List<String> stack = new ArrayList<>();
        List<List<String>> found = new ArrayList<>();
        for (String v : new TreeSet<>(graph.keySet())) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, found);
            }
        }
        return found;
    }

    private static void connect(
            String v,
            Map<String, Set<String>> graph,
            Map<String, Integer> index,
            Map<String, Integer> low,
            List<String> stack,
            List<List<String>> found) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.add(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>(stack.subList(stack.indexOf(v), stack.size()));
            stack.subList(stack.indexOf(v), stack.size()).clear();
            if (component.size() > 1) {
                component.sort(null);
                found.add(component);
            }
        }
    }
}
