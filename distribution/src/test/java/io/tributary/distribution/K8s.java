package io.tributary.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Reads the Kubernetes manifests of deploy/k8s as plain maps (SnakeYAML, the parser of the config loaders). */
final class K8s {
    static final Path ROOT = Path.of("../deploy/k8s");
    static final Path BASE = ROOT.resolve("base");

    private K8s() {}

    /** Every document of a YAML file. */
    static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
                assertThat(doc).as("a document of %s", file).isInstanceOf(Map.class);
                out.add(map(doc));
            }
        }
        return out;
    }

    static Map<String, Object> only(Path file) throws IOException {
        List<Map<String, Object>> docs = documents(file);
        assertThat(docs).as("documents in %s", file).hasSize(1);
        return docs.get(0);
    }

    /** The resources a kustomization lists, by kind (each file is one document). */
    static Map<String, Map<String, Object>> resourcesByKind(Path kustomizationDir) throws IOException {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (String file :
                strings(only(kustomizationDir.resolve("kustomization.yaml")).get("resources"))) {
            Path p = kustomizationDir.resolve(file);
            if (Files.isRegularFile(p)) {
                Map<String, Object> doc = only(p);
                out.put((String) doc.get("kind"), doc);
            }
        }
        return out;
    }

    /** Follows a path of map keys and list indexes, e.g. {@code at(sts, "spec", "template", "spec")}. */
    static Object at(Object node, Object... path) {
        Object n = node;
        for (Object step : path) {
            assertThat(n).as("node before %s", step).isNotNull();
            n = step instanceof Integer i ? ((List<?>) n).get(i) : ((Map<?, ?>) n).get(step);
        }
        return n;
    }

    static Map<String, Object> mapAt(Object node, Object... path) {
        return map(at(node, path));
    }

    static List<Map<String, Object>> listAt(Object node, Object... path) {
        Object l = at(node, path);
        assertThat(l).as("a list at %s", List.of(path)).isInstanceOf(List.class);
        return ((List<?>) l).stream().map(K8s::map).toList();
    }

    /** The pod's one container. */
    static Map<String, Object> container(Map<String, Object> workload) {
        List<Map<String, Object>> containers = listAt(workload, "spec", "template", "spec", "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** containerPort of a named port of the container. */
    static int port(Map<String, Object> container, Object nameOrNumber) {
        if (nameOrNumber instanceof Integer n) {
            return n;
        }
        return listAt(container, "ports").stream()
                .filter(p -> nameOrNumber.equals(p.get("name")))
                .map(p -> (Integer) p.get("containerPort"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no port named " + nameOrNumber + " in " + container));
    }

    /**
     * The container's environment as the kubelet gives it: literal values with {@code $(VAR)} expanded, field refs
     * as a sample value, secret refs as {@code secret:KEY}.
     */
    static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : listAt(container, "env")) {
            String name = (String) e.get("name");
            if (e.get("value") != null) {
                Matcher m = Pattern.compile("\\$\\((\\w+)\\)").matcher(String.valueOf(e.get("value")));
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    assertThat(env)
                            .as("%s refers to a variable defined before it", name)
                            .containsKey(m.group(1));
                    m.appendReplacement(sb, Matcher.quoteReplacement(env.get(m.group(1))));
                }
                env.put(name, m.appendTail(sb).toString());
            } else if (at(e, "valueFrom") instanceof Map<?, ?> from && from.get("fieldRef") != null) {
                env.put(
                        name,
                        "sample-"
                                + String.valueOf(mapAt(from, "fieldRef").get("fieldPath"))
                                        .replace('.', '-'));
            } else {
                env.put(name, "secret:" + at(e, "valueFrom", "secretKeyRef", "key"));
            }
        }
        return env;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    static List<String> strings(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return ((List<?>) o).stream().map(String::valueOf).toList();
    }
}
