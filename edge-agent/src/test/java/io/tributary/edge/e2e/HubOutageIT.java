package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.hub.client.ConsumerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub goes down while devices keep publishing, then comes back on the same port and data: the edge acknowledges
 * and buffers throughout, then drains; the shard holds every publish exactly once, in per-device order.
 */
class HubOutageIT {
    private static final int DEVICES = 3;

    @TempDir
    Path dir;

    @Test
    void hubDownThenBack_edgeBuffersAndDrains_nothingLostNothingDuplicated() throws Exception {
        try (RealHub hub = new RealHub(dir.resolve("hub"));
                EdgeAgent agent = InProcessEdge.start(dir.resolve("edge"), hub, Map.of("batch.max-records", "50"))) {
            hub.createStream(1);
            MqttClient client = new MqttClient(InProcessEdge.mqttUri(agent), "outage-it", new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMaxInflight(100);
            client.connect(options);
            int[] next = new int[DEVICES];
            publish(client, next, 100);
            await().atMost(Duration.ofSeconds(30)).until(() -> hub.storedRecords() == DEVICES * 100L);

            hub.stop();
            publish(client, next, 300); // each returns after its PUBACK: durable at the edge while the hub is down
            assertThat(InProcessEdge.buffered(agent)).isGreaterThanOrEqualTo(DEVICES * 300L);

            hub.start();
            publish(client, next, 100); // live traffic while the backlog drains
            client.disconnect();
            client.close();
            int total = DEVICES * 500;
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> InProcessEdge.buffered(agent) == 0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        "not drained: " + InProcessEdge.buffered(agent) + " buffered, hub has " + hub.storedRecords()
                                + "; edge health " + agent.health().json(),
                        e);
            }
            assertThat(hub.storedRecords()).isEqualTo(total);

            List<ConsumerRecord> records = hub.readAll();
            assertThat(records).hasSize(total);
            for (int d = 0; d < DEVICES; d++) {
                String device = "dev-" + d;
                List<String> payloads = records.stream()
                        .filter(r -> r.record().getDeviceId().equals(device))
                        .map(r -> r.record().getPayload().toStringUtf8())
                        .toList();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    expected.add(payload(d, i));
                }
                assertThat(payloads).as(device).containsExactlyElementsOf(expected);
            }
        }
    }

    private static void publish(MqttClient client, int[] next, int perDevice) throws Exception {
        for (int i = 0; i < perDevice; i++) {
            for (int d = 0; d < DEVICES; d++) {
                client.publish(
                        "tributary/site-" + (d % 2) + "/dev-" + d + "/temp",
                        payload(d, next[d]++).getBytes(StandardCharsets.UTF_8),
                        1,
                        false);
            }
        }
    }

    private static String payload(int d, int i) {
        return "{\"dev\":" + d + ",\"n\":" + i + "}";
    }
}
