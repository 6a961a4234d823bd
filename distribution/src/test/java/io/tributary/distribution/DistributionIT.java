package io.tributary.distribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution archive as an operator gets it: unpacked with tar into an empty directory, a hub and an edge agent
 * started from {@code bin/tributary} with nothing of the build on their class path, both {@code /health} answering
 * 200 (the edge's only once its link to the hub is up). Processes are stopped (SIGTERM, then SIGKILL) in cleanup.
 */
class DistributionIT {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void unpackedArchive_startsHubAndEdge_fromBinTributary_bothHealthy() throws Exception {
        Path archive = Path.of(System.getProperty("tributary.distribution", "target/missing.tar.gz"));
        assertThat(archive).as("built by the package phase").isRegularFile();
        Path home = unpack(archive);
        assertThat(home.resolve("bin/tributary")).isExecutable();
        assertThat(home.resolve("config/logback.xml")).isRegularFile();
        assertThat(home.resolve("config/edge.jvm.options")).isRegularFile(); // the launcher's defaults for the edge
        assertThat(home.resolve("systemd/tributary-hub.service")).isRegularFile();

        int link = freePort();
        int hubMetrics = freePort();
        int mqtt = freePort();
        int edgeMetrics = freePort();
        Process hub = start(
                home, Map.of(), "hub --data-dir %s --port %d --metrics-port %d", dir.resolve("hub"), link, hubMetrics);
        awaitHealthy(hub, "hub", hubMetrics);

        Process admin = start(home, Map.of(), "admin --hub 127.0.0.1:%d streams create telemetry --shards 2", link);
        assertThat(admin.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(admin.exitValue()).as(log("admin")).isZero();

        // the edge logs JSON: config/logback.xml of the archive, switched by the environment as documented
        Process edge = start(
                home,
                Map.of("TRIBUTARY_LOG_FORMAT", "json"),
                "edge --data-dir %s --hub 127.0.0.1:%d --stream telemetry --mqtt-port %d --metrics-port %d"
                        + " --allow-anonymous",
                dir.resolve("edge"),
                link,
                mqtt,
                edgeMetrics);
        String health = awaitHealthy(edge, "edge", edgeMetrics);
        assertThat(health).contains("\"status\":\"ok\"");

        List<String> lines = Files.readAllLines(dir.resolve("edge.log"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("Edge agent", " up: MQTT"));
        for (String line : lines) {
            assertThat(isOneJsonObject(line)).as("a JSON log line: %s", line).isTrue();
        }
    }

    private static boolean isOneJsonObject(String line) throws IOException {
        try (JsonParser p = new JsonFactory().createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (com.fasterxml.jackson.core.JsonParseException e) {
            return false;
        }
    }

    private Path unpack(Path archive) throws Exception {
        Path into = Files.createDirectories(dir.resolve("opt"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toAbsolutePath().toString(), "-C", into.toString())
                .inheritIO()
                .start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).isZero();
        try (var top = Files.list(into)) {
            return top.filter(Files::isDirectory).findFirst().orElseThrow();
        }
    }

    /**
     * {@code bin/tributary ROLE ARGS} (the formatted command line, split at spaces; the first word is the role and
     * names its log), run from the unpacked home with a clean environment (no TRIBUTARY_*, no CLASSPATH) plus
     * {@code env}.
     */
    private Process start(Path home, Map<String, String> env, String commandLine, Object... values) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/tributary").toString());
        cmd.addAll(List.of(String.format(commandLine, values).split(" ")));
        String logName = cmd.get(1);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.redirectOutput(dir.resolve(logName + ".log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TRIBUTARY_") || k.equals("CLASSPATH"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("TRIBUTARY_OPTS", "-Xmx256m -XX:TieredStopAtLevel=1");
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private String awaitHealthy(Process p, String name, int metricsPort) {
        String[] body = {""};
        await().atMost(START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            assertThat(p.isAlive()).as("%s is running; %s", name, log(name)).isTrue();
            HttpResponse<String> r = get(metricsPort);
            assertThat(r).as("%s /health", name).isNotNull();
            assertThat(r.statusCode()).as("%s /health: %s", name, r.body()).isEqualTo(200);
            body[0] = r.body();
        });
        return body[0];
    }

    private HttpResponse<String> get(int port) throws IOException, InterruptedException {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException notYet) {
            return null;
        }
    }

    private String log(String name) {
        try {
            return "log: " + Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "no log: " + e;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
