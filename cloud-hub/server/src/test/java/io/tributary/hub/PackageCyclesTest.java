package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The packages of the hub server depend on each other without a cycle, so each can be read, tested and moved on its
 * own (the transport in {@code server} knows nothing of the services it carries). Reads the main sources without
 * their comments: every reference to a class of another {@code io.tributary.hub.*} package of this module (an import
 * or a fully qualified name in code) is an edge; a cycle fails the test and names its packages.
 */
class PackageCyclesTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\n]*", Pattern.DOTALL);
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    /** A qualified reference: lower-case package segments, then a class name. */
    private static final Pattern REFERENCE =
            Pattern.compile("\\b(io\\.tributary\\.hub(?:\\.[a-z_][a-z0-9_]*)*)\\.[A-Z]");

    @Test
    void hubPackages_haveNoDependencyCycle() {
        Map<String, Set<String>> graph = dependencies();
        assertThat(graph).as("packages found under %s", MAIN.toAbsolutePath()).containsKey("io.tributary.hub.server");
        assertThat(cycles(graph))
                .as("package cycles (each a path back to its start)")
                .isEmpty();
    }

    @Test
    void cycles_findsACycleThroughThreePackages() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a", "d"));
        graph.put("d", Set.of());
        assertThat(cycles(graph)).containsExactly(List.of("a", "b", "c", "a"));
    }

    /** Package → the packages of this module it refers to. */
    private static Map<String, Set<String>> dependencies() {
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .forEach(f ->
                            sources.put(f.toString(), COMMENT.matcher(read(f)).replaceAll(" ")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String text : sources.values()) {
            Matcher p = PACKAGE.matcher(text);
            if (p.find()) {
                graph.putIfAbsent(p.group(1), new TreeSet<>());
            }
        }
        for (String text : sources.values()) {
            Matcher p = PACKAGE.matcher(text);
            if (!p.find()) {
                continue;
            }
            String from = p.group(1);
            Matcher r = REFERENCE.matcher(text.substring(p.end()));
            while (r.find()) {
                String to = r.group(1);
                // Packages of other modules (io.tributary.hub.client) are not nodes here.
                if (!to.equals(from) && graph.containsKey(to)) {
                    graph.get(from).add(to);
                }
            }
        }
        return graph;
    }

    /** One cycle per strongly connected group of packages, found by depth-first search; empty when acyclic. */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        List<List<String>> found = new ArrayList<>();
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            search(graph, start, new ArrayList<>(), done, found);
        }
        return found;
    }

    private static void search(
            Map<String, Set<String>> graph, String node, List<String> path, Set<String> done, List<List<String>> out) {
        int at = path.indexOf(node);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(node);
            out.add(cycle);
            return;
        }
        if (done.contains(node)) {
            return;
        }
        path.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            search(graph, next, path, done, out);
        }
        path.remove(path.size() - 1);
        done.add(node);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
