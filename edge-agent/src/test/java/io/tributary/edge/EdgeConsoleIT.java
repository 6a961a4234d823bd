package io.tributary.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.forward.FakeHub;
import io.tributary.testsupport.HeadlessChromium;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge console against a running agent whose hub withholds its acknowledgements: the buffer holds what a
 * connected MQTT client published, by lane, until the hub answers; then it drains. The JSON API, and the page in
 * headless Chromium (skipped without it, failed without it under {@code CI=true}).
 */
class EdgeConsoleIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final CompletableFuture<Void> acks = new CompletableFuture<>();
    private FakeHub hub;
    private EdgeAgent agent;
    private MqttClient device;

    @BeforeEach
    void start() throws Exception {
        hub = new FakeHub();
        hub.policy(b -> acks.isDone() ? FakeHub.ACK : new FakeHub.AckWhen(acks));
        agent = new EdgeAgent(
                        EdgeConfig.load(
                                Optional.empty(),
                                Map.of(),
                                Map.of(
                                        "agent-id", "edge-console",
                                        "data-dir", dir.resolve("edge").toString(),
                                        "mqtt.host", "127.0.0.1",
                                        "mqtt.port", "0",
                                        "mqtt.allow-anonymous", "true",
                                        "mqtt.io-threads", "1",
                                        "hub.endpoints", hub.address(),
                                        "metrics.host", "127.0.0.1",
                                        "metrics.port", "0",
                                        "backoff.initial", "20ms")),
                        Clock.systemUTC())
                .start();
        device = new MqttClient(
                "tcp://127.0.0.1:" + agent.mqttAddress().orElseThrow().getPort(),
                "console-dev",
                new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        device.connect(options);
        for (int i = 0; i < 5; i++) {
            device.publish(
                    "tributary/plant-" + (i < 3 ? 1 : 2) + "/press-7/temp",
                    ("{\"t\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    1,
                    false);
        }
    }

    @AfterEach
    void stop() throws Exception {
        acks.complete(null);
        if (device != null && device.isConnected()) {
            device.disconnect();
        }
        if (agent != null) {
            agent.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    private URI uri(String path) {
        return URI.create(
                "http://127.0.0.1:" + agent.metricsAddress().orElseThrow().getPort() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Struct json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        Struct.Builder s = Struct.newBuilder();
        JsonFormat.parser().merge(r.body(), s);
        return s.build();
    }

    private static double at(Struct s, String object, String field) {
        return s.getFieldsOrThrow(object)
                .getStructValue()
                .getFieldsOrThrow(field)
                .getNumberValue();
    }

    private static Map<String, Value> fields(Value v) {
        return v.getStructValue().getFieldsMap();
    }

    @Test
    void api_showsTheBufferByLane_theLinkAndTheMqttClients_thenTheDrain() throws Exception {
        await().atMost(WAIT).until(() -> at(json("/api/overview"), "buffer", "records") == 5);
        Struct overview = json("/api/overview");
        assertThat(overview.getFieldsOrThrow("agent").getStringValue()).isEqualTo("edge-console");
        assertThat(overview.getFieldsOrThrow("link")
                        .getStructValue()
                        .getFieldsOrThrow("state")
                        .getStringValue())
                .isEqualTo("UP");
        assertThat(at(overview, "buffer", "quota_bytes")).isPositive();
        assertThat(at(overview, "buffer", "bytes")).isPositive();
        assertThat(at(overview, "counters", "stored")).isEqualTo(5);
        assertThat(at(overview, "counters", "forwarded")).isZero();
        assertThat(at(overview, "mqtt", "connections")).isEqualTo(1);

        List<Value> lanes =
                json("/api/lanes").getFieldsOrThrow("items").getListValue().getValuesList();
        assertThat(lanes)
                .extracting(l -> fields(l).get("lane").getStringValue())
                .containsExactly("plant-1", "plant-2");
        assertThat(lanes)
                .extracting(l -> fields(l).get("records").getNumberValue())
                .containsExactly(3.0, 2.0);
        Struct firstLane = json("/api/lanes?limit=1");
        assertThat(firstLane.getFieldsOrThrow("total").getNumberValue()).isEqualTo(2);
        assertThat(firstLane.getFieldsOrThrow("items").getListValue().getValuesCount())
                .isEqualTo(1);

        List<Value> clients =
                json("/api/mqtt").getFieldsOrThrow("items").getListValue().getValuesList();
        assertThat(clients)
                .singleElement()
                .satisfies(c ->
                        assertThat(fields(c).get("client_id").getStringValue()).isEqualTo("console-dev"));
        assertThat(get("/api/lanes/plant-1").statusCode()).isEqualTo(404);
        assertThat(get("/api/streams").statusCode()).isEqualTo(404);

        acks.complete(null);
        await().atMost(WAIT).untilAsserted(() -> {
            Struct drained = json("/api/overview");
            assertThat(at(drained, "buffer", "records")).isZero();
            assertThat(at(drained, "buffer", "oldest_unsent_age_ms")).isZero();
            assertThat(at(drained, "counters", "forwarded")).isEqualTo(5);
            assertThat(json("/api/lanes").getFieldsOrThrow("total").getNumberValue())
                    .isZero();
        });
    }

    @Test
    void console_inHeadlessChromium_showsBufferLanesClientsAndCharts() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.findOrSkip(Files.createDirectories(dir.resolve("chromium")));
        await().atMost(WAIT).until(() -> at(json("/api/overview"), "buffer", "records") == 5);

        String dom = chromium.dumpDom(uri("/console/"), 7_000);

        assertThat(dom)
                .contains("Tributary edge <span id=\"agent\">edge-console</span>")
                .contains("plant-1", "plant-2", "console-dev")
                .contains("Buffer depth (records)")
                .contains("<canvas")
                .contains("class=\"ok\">updated");
        Path png = Path.of("target/console-screenshots/edge.png");
        chromium.screenshot(uri("/console/"), 7_000, png);
        assertThat(Files.size(png)).isGreaterThan(10_000);
    }
}
