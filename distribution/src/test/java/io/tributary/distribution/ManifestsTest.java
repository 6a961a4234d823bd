package io.tributary.distribution;

import static io.tributary.distribution.K8s.BASE;
import static io.tributary.distribution.K8s.ROOT;
import static io.tributary.distribution.K8s.at;
import static io.tributary.distribution.K8s.container;
import static io.tributary.distribution.K8s.env;
import static io.tributary.distribution.K8s.listAt;
import static io.tributary.distribution.K8s.mapAt;
import static io.tributary.distribution.K8s.only;
import static io.tributary.distribution.K8s.port;
import static io.tributary.distribution.K8s.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.edge.config.EdgeConfig;
import io.tributary.hub.config.HubConfig;
import io.tributary.protocol.cli.Cli;
import io.tributary.protocol.config.ConfigException;
import io.tributary.protocol.metrics.MetricsHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kubernetes manifests (deploy/k8s) at schema level: the kinds an operator expects, probes on the paths and ports
 * the processes really serve (from the config loaders' own reading of the mounted config), config files the loaders
 * accept, images the build names, selectors that select. {@code kubectl kustomize} of the overlays runs in .ci/run.
 */
class ManifestsTest {
    private final Map<String, Map<String, Object>> base = resources(BASE);

    @org.junit.jupiter.api.io.TempDir
    Path tmp;

    private final Map<String, Object> hub = base.get("StatefulSet");
    private final Map<String, Object> edge = base.get("DaemonSet");

    private static Map<String, Map<String, Object>> resources(Path dir) {
        try {
            return K8s.resourcesByKind(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void base_hasTheHubAsStatefulSetWithVolume_serviceBudgetAndEdgeDaemonSet() {
        assertThat(base).containsOnlyKeys("Service", "StatefulSet", "PodDisruptionBudget", "DaemonSet");
        assertThat(listAt(hub, "spec", "volumeClaimTemplates"))
                .singleElement()
                .satisfies(pvc -> assertThat(at(pvc, "spec", "resources", "requests", "storage"))
                        .isNotNull());
        assertThat(at(hub, "spec", "serviceName")).isEqualTo(at(base.get("Service"), "metadata", "name"));
        for (Map<String, Object> workload : List.of(hub, edge)) {
            Map<String, Object> c = container(workload);
            assertThat(mapAt(c, "resources", "requests")).containsKeys("cpu", "memory");
            assertThat(mapAt(c, "resources", "limits")).containsKey("memory");
            assertThat(c).containsKeys("readinessProbe", "livenessProbe", "startupProbe");
        }
    }

    @Test
    void selectors_ofServiceAndBudget_selectTheHubPods() {
        Map<String, Object> podLabels = mapAt(hub, "spec", "template", "metadata", "labels");
        assertThat(podLabels).containsAllEntriesOf(mapAt(hub, "spec", "selector", "matchLabels"));
        assertThat(podLabels).containsAllEntriesOf(mapAt(base.get("Service"), "spec", "selector"));
        assertThat(podLabels)
                .containsAllEntriesOf(mapAt(base.get("PodDisruptionBudget"), "spec", "selector", "matchLabels"));
        Map<String, Object> c = container(hub);
        for (Map<String, Object> p : listAt(base.get("Service"), "spec", "ports")) {
            assertThat(port(c, p.get("targetPort")))
                    .as("service port %s", p.get("name"))
                    .isEqualTo(p.get("port"));
        }
    }

    @Test
    void hub_configAndEnvironment_areAcceptedByTheHubConfigLoader_portsAndDataDirMatch() throws Exception {
        Map<String, Object> c = container(hub);
        HubConfig cfg = load(c, "hub.yaml", (file, env, flags) -> HubConfig.load(Optional.of(file), env, flags));

        assertThat(cfg.port()).isEqualTo(port(c, "link"));
        assertThat(cfg.metricsPort()).isEqualTo(port(c, "metrics"));
        assertThat(cfg.host()).isEqualTo("0.0.0.0");
        assertThat(cfg.region()).isEqualTo("local");
        assertThat(cfg.replication().advertisedEndpoint())
                .isEqualTo("sample-metadata-name.tributary-hub.sample-metadata-namespace.svc.cluster.local:7400");
        assertThat(mountPaths(c)).contains(cfg.dataDir().toString());
        assertThat(((List<?>) at(hub, "spec", "volumeClaimTemplates")).size()).isEqualTo(1);
        assertThat(mountOf(c, cfg.dataDir().toString()).get("name"))
                .isEqualTo(at(hub, "spec", "volumeClaimTemplates", 0, "metadata", "name"));
    }

    @Test
    void edge_configAndEnvironment_areAcceptedByTheEdgeConfigLoader_portsAndBufferMatch() throws Exception {
        Map<String, Object> c = container(edge);
        EdgeConfig cfg = load(c, "edge.yaml", (file, env, flags) -> EdgeConfig.load(Optional.of(file), env, flags));

        assertThat(cfg.metricsPort()).isEqualTo(port(c, "metrics"));
        assertThat(cfg.agentId()).isEqualTo("sample-spec-nodeName");
        assertThat(mountPaths(c)).contains(cfg.dataDir().toString());
        assertThat(at(edge, "spec", "template", "spec", "volumes", 0, "hostPath", "path"))
                .isEqualTo(cfg.dataDir().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"StatefulSet", "DaemonSet"})
    void readinessProbes_getAPathTheMetricsServerAnswers(String kind) throws Exception {
        Map<String, Object> probe = mapAt(container(base.get(kind)), "readinessProbe", "httpGet");
        assertThat(probe.get("port")).isEqualTo("metrics");
        String path = (String) probe.get("path");
        // Exactly: the JDK's server matches contexts by prefix, so it would answer /healthz as well.
        assertThat(path).isEqualTo("/health");

        // The server both processes run, on the probe's path: 200 when healthy, 503 when not; never a 404.
        for (boolean healthy : new boolean[] {true, false}) {
            MetricsHttpServer server = MetricsHttpServer.start(
                    "127.0.0.1", 0, () -> "", () -> new MetricsHttpServer.Health(healthy, "{}"));
            try {
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(healthy ? 200 : 503);
                assertThat(r.body()).isEqualTo("{}");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void images_areTheOnesTheBuildMakes_taggedWithTheProjectVersion() throws Exception {
        var pom = DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(Path.of("pom.xml").toFile());
        String hubImage = pom.getElementsByTagName("image.hub").item(0).getTextContent();
        String edgeImage = pom.getElementsByTagName("image.edge").item(0).getTextContent();

        assertThat(container(hub).get("image")).isEqualTo(hubImage);
        assertThat(container(edge).get("image")).isEqualTo(edgeImage);
        List<Map<String, Object>> images = listAt(only(BASE.resolve("kustomization.yaml")), "images");
        assertThat(images)
                .extracting(i -> i.get("name"), i -> i.get("newTag"))
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(hubImage, Cli.version()),
                        org.assertj.core.groups.Tuple.tuple(edgeImage, Cli.version()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"home-region:eu", "replica-region:us"})
    void overlays_setNamespaceAndRegion_onTheBase(String overlayAndRegion) throws Exception {
        String[] parts = overlayAndRegion.split(":");
        Path dir = ROOT.resolve("overlays").resolve(parts[0]);
        Map<String, Object> k = only(dir.resolve("kustomization.yaml"));
        assertThat(strings(k.get("resources"))).contains("../../base");
        assertThat(k.get("namespace")).isEqualTo("tributary-" + parts[1]);
        assertThat(at(K8s.resourcesByKind(dir).get("Namespace"), "metadata", "name"))
                .isEqualTo(k.get("namespace"));

        // The JSON patch replaces env[i] by index; i must be the region in the base.
        String patch = (String) at(k, "patches", 0, "patch");
        Matcher m = Pattern.compile("path: /spec/template/spec/containers/0/env/(\\d+)\\n\\s*value:\\n\\s*name: (\\w+)"
                        + "\\n\\s*value: (\\S+)")
                .matcher(patch);
        assertThat(m.find()).as("a replace of the region in %s", patch).isTrue();
        assertThat(at(container(hub), "env", Integer.parseInt(m.group(1)), "name"))
                .isEqualTo(m.group(2))
                .isEqualTo(HubConfig.ENV_PREFIX + "REGION");
        assertThat(m.group(3)).isEqualTo(parts[1]);
    }

    /** A config loader: file, environment, command-line overrides. */
    private interface Loader<T> {
        T load(Path file, Map<String, String> env, Map<String, String> flags);
    }

    /**
     * Loads the config file the container mounts with the container's environment. Files it names (tokens) come
     * from volumes: a missing one is fine if a volume is mounted there (it is then replaced by an empty file to load
     * the rest); any other problem fails.
     */
    private <T> T load(Map<String, Object> c, String file, Loader<T> loader) throws java.io.IOException {
        assertThat(mountOf(c, "/etc/tributary/" + file).get("subPath")).isEqualTo(file);
        assertThat(strings(c.get("args"))).containsExactly("--config", "/etc/tributary/" + file);
        Path config = BASE.resolve("config").resolve(file);
        Map<String, String> mounted = new java.util.HashMap<>();
        try {
            return loader.load(config, env(c), mounted);
        } catch (ConfigException e) {
            for (String problem : e.problems()) {
                Matcher m =
                        Pattern.compile("^(\\S+) file (\\S+) does not exist").matcher(problem);
                assertThat(m.find())
                        .as("only missing mounted files, but: %s", problem)
                        .isTrue();
                assertThat(mountPaths(c)).anySatisfy(p -> assertThat(m.group(2)).startsWith(p + "/"));
                mounted.put(
                        m.group(1),
                        java.nio.file.Files.createFile(tmp.resolve(m.group(1))).toString());
            }
        }
        return loader.load(config, env(c), mounted);
    }

    private static List<String> mountPaths(Map<String, Object> c) {
        return listAt(c, "volumeMounts").stream()
                .map(v -> (String) v.get("mountPath"))
                .toList();
    }

    private static Map<String, Object> mountOf(Map<String, Object> c, String path) {
        return listAt(c, "volumeMounts").stream()
                .filter(v -> path.equals(v.get("mountPath")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted at " + path));
    }
}
