package io.tributary.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.group.CheckpointEveryBatch;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.testsupport.DocSections;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics reference ({@code docs/metrics.md}) and the alert rules ({@code deploy/prometheus/tributary-alerts.yaml})
 * against live processes: two hubs (home region eu replicating a stream to region us) and an edge agent forwarding
 * MQTT publishes to the home, with a consumer group reading it. The run also provokes the events that create the
 * few series born on first use (a stream that does not exist yet, an unmapped topic, garbage bytes on the MQTT port).
 *
 * <p>Fails when the doc's generated table and the scrapes disagree (and prints the table to paste under {@code ##
 * Reference}), when a metric breaks the naming scheme, and when an alert rule or a Grafana dashboard query
 * ({@code deploy/grafana/dashboards/}) names a metric nothing exports.
 */
class MetricsReferenceIT {
    static final Path DOC = Path.of("../docs/metrics.md");
    static final Path RULES = Path.of("../deploy/prometheus/tributary-alerts.yaml");
    private static final String STREAM = "telemetry";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static ClientResources resources;
    private static Hub home;
    private static Hub replica;
    private static EdgeAgent edge;
    private static GroupConsumer consumer;
    private static final Map<String, String> scrapes = new TreeMap<>();

    @BeforeAll
    static void runPipeline() throws Exception {
        resources = new ClientResources(1);
        replica = Hub.start(hub("us"));
        home = Hub.start(hub("eu"));
        edge = new EdgeAgent(edge(home.port()), Clock.systemUTC()).start();
        int mqttPort = edge.mqttAddress().orElseThrow().getPort();

        // the stream does not exist yet: the hub refuses the edge's batches (nacks on both sides) until it does
        publish(mqttPort, "tributary/g1/d1/temp", 5);
        await().atMost(WAIT).until(() -> scrape(edge).contains("tributary_edge_forward_nacks_total{"));
        ClientOptions client = ClientOptions.builder(List.of(new HubEndpoint("127.0.0.1", home.port())))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        try (AdminClient admin = AdminClient.connect(resources, client)) {
            admin.createStream(CreateStream.newBuilder()
                    .setStream(STREAM)
                    .setShardCount(2)
                    .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                    .addReplicas(RegionEndpoint.newBuilder().setRegion("us").setEndpoint("127.0.0.1:" + replica.port()))
                    .setAckLevel(AckLevel.ACK_LEVEL_LOCAL)
                    .build());
        }
        publish(mqttPort, "tributary/g2/d2/temp", 5);
        consumer = GroupConsumer.start(
                resources,
                client,
                GroupConsumerOptions.of(STREAM, "reference").withHeartbeat(Duration.ofMillis(200)),
                CheckpointEveryBatch::new);
        // an unmapped topic (refused, the MQTT 3.1.1 connection closed) and bytes that are no MQTT packet
        try {
            publish(mqttPort, "elsewhere/x", 1);
        } catch (MqttException expected) {
            // the edge closes the connection instead of acknowledging
        }
        try (Socket s = new Socket("127.0.0.1", mqttPort)) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x00, 0x02, (byte) 0xde, (byte) 0xad});
            out.flush();
            await().atMost(WAIT).until(() -> s.getInputStream().read() < 0);
        }

        // the web console's request counter is born on the first console request
        for (int port : List.of(
                home.metricsPort().orElseThrow(),
                replica.metricsPort().orElseThrow(),
                edge.metricsAddress().orElseThrow().getPort())) {
            assertThat(get(port, "/api/overview").statusCode()).isEqualTo(200);
        }

        await().atMost(WAIT).untilAsserted(() -> {
            String h = scrape(home);
            String r = scrape(replica);
            String e = scrape(edge);
            assertThat(e).containsPattern("(?m)^tributary_edge_forward_records_total\\{.*} 10\\.0$");
            assertThat(e).contains("tributary_edge_mqtt_malformed_packets_total{");
            assertThat(e).contains("tributary_edge_mqtt_disconnects_total{");
            assertThat(h).contains("tributary_group_lag_records{");
            assertThat(h).contains("tributary_replication_lag_seconds{");
            assertThat(r).containsPattern("(?m)^tributary_replication_applied_records_total\\{.*} 10\\.0$");
            scrapes.put("hub", h + r);
            scrapes.put("edge", e);
        });
    }

    @AfterAll
    static void stop() {
        if (consumer != null) {
            consumer.close();
        }
        if (edge != null) {
            edge.close();
        }
        if (home != null) {
            home.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (resources != null) {
            resources.close();
        }
    }

    @Test
    void metricsDoc_holdsTheTableGeneratedFromALiveScrape() throws IOException {
        DocSections.assertSectionHolds(
                DOC, "Reference", MetricsTable.markdown(families()), "generated from a live scrape");
    }

    @Test
    void everyMetric_followsTheNamingScheme() {
        List<String> problems = new ArrayList<>();
        for (MetricsTable.Family f : families()) {
            if (f.help().isBlank()) {
                problems.add(f.name() + ": no description");
            }
            if (f.type().equals("counter") != f.name().endsWith("_total")) {
                problems.add(f.name() + ": counters, and only counters, end in _total");
            }
            if (f.name().matches(".*_(ms|millis|milliseconds|micros|nanos)(_.*)?$")) {
                problems.add(f.name() + ": not in base units (seconds)");
            }
            if ((f.type().equals("histogram") || f.type().equals("summary"))
                    && f.name().matches(".*_(latency|duration|time)$")) {
                problems.add(f.name() + ": durations end in _seconds");
            }
        }
        for (Map.Entry<String, String> s : scrapes.entrySet()) {
            for (MetricsTable.Family f : MetricsTable.parse(s.getValue(), s.getKey(), name -> true)) {
                if (!f.name().startsWith("tributary_") && !f.name().matches("(jvm|process|system)_.*")) {
                    problems.add(f.name() + " (" + s.getKey() + "): no tributary_ prefix");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void alertRules_nameOnlyMetricsTheProcessesExport() throws IOException {
        Set<String> named = AlertRules.metricsNamed(Files.readString(RULES, StandardCharsets.UTF_8));
        assertThat(named).isNotEmpty();
        assertThat(exported()).as("metrics named by %s", RULES).containsAll(named);
    }

    @Test
    void dashboards_queryOnlyMetricsTheProcessesExport() {
        Set<String> exported = exported();
        List<Dashboards.Query> queries = Dashboards.queries(Dashboards.load());
        assertThat(queries).isNotEmpty();
        List<String> missing = new ArrayList<>();
        for (Dashboards.Query q : queries) {
            Set<String> names = Dashboards.metricNames(q.expr());
            if (names.isEmpty()) {
                missing.add(q.dashboard() + ", " + q.where() + ": no metric in " + q.expr());
            }
            for (String name : names) {
                if (!exported.contains(name)) {
                    missing.add(q.dashboard() + ", " + q.where() + ": " + name + " is not in the scrape");
                }
            }
        }
        assertThat(missing)
                .as("dashboard queries naming metrics no process exports")
                .isEmpty();
    }

    /** Every sample name in the scrapes ({@code _bucket}, {@code _count}, {@code _sum} series included). */
    private static Set<String> exported() {
        Set<String> exported = new TreeSet<>();
        Pattern sample = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]");
        for (String s : scrapes.values()) {
            Matcher m = sample.matcher(s);
            while (m.find()) {
                exported.add(m.group(1));
            }
        }
        return exported;
    }

    private static List<MetricsTable.Family> families() {
        List<MetricsTable.Family> all = new ArrayList<>();
        scrapes.forEach((process, text) ->
                all.addAll(MetricsTable.parse(text, process, name -> name.startsWith("tributary_"))));
        return MetricsTable.merge(all);
    }

    private static HubConfig hub(String region) throws IOException {
        return HubConfig.load(
                Optional.empty(),
                Map.of(),
                Map.of(
                        "data-dir",
                        dir.resolve("hub-" + region).toString(),
                        "port",
                        "0",
                        "metrics-port",
                        "0",
                        "io-threads",
                        "1",
                        "region",
                        region,
                        "hub-id",
                        "hub-" + region));
    }

    private static EdgeConfig edge(int hubPort) throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens here: the bridge keeps retrying, its meters exist
        }
        return EdgeConfig.load(
                Optional.empty(),
                Map.of(),
                Map.ofEntries(
                        Map.entry("data-dir", dir.resolve("edge").toString()),
                        Map.entry("agent-id", "edge-1"),
                        Map.entry("mqtt.host", "127.0.0.1"),
                        Map.entry("mqtt.port", "0"),
                        Map.entry("mqtt.allow-anonymous", "true"),
                        Map.entry("metrics.host", "127.0.0.1"),
                        Map.entry("metrics.port", "0"),
                        Map.entry("hub.endpoints", "127.0.0.1:" + hubPort),
                        Map.entry("stream", STREAM),
                        Map.entry("backoff.max", "200ms"),
                        Map.entry("bridge.url", "tcp://127.0.0.1:" + closed)));
    }

    private static void publish(int port, String topic, int n) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, "ref-" + topic.hashCode(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setConnectionTimeout(10);
        c.connect(o);
        try {
            for (int i = 0; i < n; i++) {
                c.publish(topic, ("{\"v\":" + i + "}").getBytes(StandardCharsets.UTF_8), 1, false);
            }
        } finally {
            if (c.isConnected()) {
                c.disconnect();
            }
            c.close();
        }
    }

    private static String scrape(Hub hub) throws IOException, InterruptedException {
        return get(hub.metricsPort().orElseThrow());
    }

    private static String scrape(EdgeAgent agent) throws IOException, InterruptedException {
        return get(agent.metricsAddress().orElseThrow().getPort());
    }

    private static String get(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = get(port, "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
