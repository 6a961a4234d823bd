package io.tributary.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.config.EdgeConfig;
import io.tributary.edge.forward.FakeHub;
import io.tributary.protocol.v1.Record;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MQTT client → real MqttServer → DurableBuffer → Forwarder → fake hub, wired by {@link EdgeAgent}. */
class EdgeForwardIT {

    private static final int DEVICES = 3;
    private static final int PER_DEVICE = 100;

    @TempDir
    Path dir;

    private EdgeConfig config(FakeHub hub) {
        return EdgeConfig.load(
                Optional.empty(),
                Map.of(),
                Map.of(
                        "data-dir", dir.toString(),
                        "mqtt.host", "127.0.0.1",
                        "mqtt.port", "0",
                        "mqtt.allow-anonymous", "true",
                        "mqtt.io-threads", "1",
                        "hub.endpoints", hub.address(),
                        "metrics.host", "127.0.0.1",
                        "metrics.port", "0",
                        "batch.max-records", "40",
                        "backoff.initial", "20ms"));
    }

    @Test
    void publishQos1_throughEdgeAgent_reachesHubExactlyOnceInDeviceOrder() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        try (FakeHub hub = new FakeHub();
                EdgeAgent agent = new EdgeAgent(config(hub), Clock.systemUTC()).start()) {
            // One dropped connection mid-stream (after the hub stored the batch): the resend must not duplicate.
            hub.policy(b -> seen.incrementAndGet() == 3 ? new FakeHub.DropConnection() : FakeHub.ACK);
            MqttClient client = new MqttClient(
                    "tcp://127.0.0.1:" + agent.mqttAddress().orElseThrow().getPort(), "it-1", new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setCleanSession(true);
            options.setMaxInflight(100);
            client.connect(options);
            for (int i = 0; i < PER_DEVICE; i++) {
                for (int d = 0; d < DEVICES; d++) {
                    client.publish(
                            "tributary/plant-1/dev-" + d + "/temp",
                            ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                            1,
                            false);
                }
            }
            client.disconnect();
            client.close();

            await().atMost(Duration.ofSeconds(30)).until(() -> hub.recordCount() == DEVICES * PER_DEVICE);
            List<Record> records = hub.records();
            assertThat(new HashSet<>(records.stream().map(Record::getId).toList()))
                    .hasSize(DEVICES * PER_DEVICE);
            for (int d = 0; d < DEVICES; d++) {
                String device = "dev-" + d;
                List<String> payloads = new ArrayList<>();
                records.stream()
                        .filter(r -> r.getDeviceId().equals(device))
                        .forEach(r -> payloads.add(r.getPayload().toStringUtf8()));
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < PER_DEVICE; i++) {
                    expected.add("{\"n\":" + i + "}");
                }
                assertThat(payloads).as(device).containsExactlyElementsOf(expected);
            }

            HttpClient http = HttpClient.newHttpClient();
            String base =
                    "http://127.0.0.1:" + agent.metricsAddress().orElseThrow().getPort();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> http.send(
                                            HttpRequest.newBuilder(URI.create(base + "/health"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200);
            String metrics = http.send(
                            HttpRequest.newBuilder(URI.create(base + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics).contains("tributary_edge_forward_records_total");
            assertThat(metrics).contains("tributary_edge_forward_link_state");
        }
    }
}
