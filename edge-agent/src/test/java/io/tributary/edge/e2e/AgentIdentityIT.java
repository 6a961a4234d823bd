package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.edge.forward.LinkState;
import io.tributary.hub.client.ConsumerRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent identity against a real hub: epochs are granted by the hub, so an agent whose data dir was wiped cannot make
 * its new records look like duplicates of its old ones, and of two live agents with one id the older is fenced (it
 * stops, reports DOWN and keeps what it acknowledged). Before hub-granted epochs, the wiped agent restarted at epoch 1
 * and the hub dropped its new records as duplicates — silently.
 */
class AgentIdentityIT {
    @TempDir
    Path dir;

    @Test
    void wipedDataDir_restartedAgent_everyPublishAcknowledgedReachesTheShard() throws Exception {
        Path edgeDir = dir.resolve("edge");
        try (RealHub hub = new RealHub(dir.resolve("hub"))) {
            hub.createStream(1);
            long grant;
            try (EdgeAgent agent = InProcessEdge.start(edgeDir, hub, Map.of("agent-id", "edge-1"))) {
                publish(agent, "first", 20);
                await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);
                grant = agent.epochGrant();
                assertThat(grant).isPositive();
            }
            deleteTree(edgeDir); // the gateway's disk was replaced, or its data dir wiped

            try (EdgeAgent agent = InProcessEdge.start(edgeDir, hub, Map.of("agent-id", "edge-1"))) {
                publish(agent, "second", 20);
                await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);
                assertThat(agent.epochGrant()).isGreaterThan(grant);
            }
            assertThat(payloads(hub))
                    .hasSize(40)
                    .contains(text("second", 0), text("second", 19), text("first", 0), text("first", 19));
            assertThat(hub.storedRecords()).isEqualTo(40);
        }
    }

    @Test
    void wipedDataDir_agentPublishesBeforeReachingTheHub_recordsAreSentUnderTheNewGrant() throws Exception {
        Path edgeDir = dir.resolve("edge");
        try (RealHub hub = new RealHub(dir.resolve("hub"))) {
            hub.createStream(1);
            try (EdgeAgent agent = InProcessEdge.start(edgeDir, hub, Map.of("agent-id", "edge-1"))) {
                publish(agent, "first", 20);
                await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);
            }
            deleteTree(edgeDir);
            hub.stop(); // the new agent acknowledges publishes before it ever holds a grant
            try (EdgeAgent agent = InProcessEdge.start(edgeDir, hub, Map.of("agent-id", "edge-1"))) {
                publish(agent, "offline", 20);
                assertThat(agent.epochGrant()).isZero();
                hub.start();
                await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(agent) == 0);
            }
            List<ConsumerRecord> records = hub.readAll();
            assertThat(records).hasSize(40);
            // The ids inside the stored records carry the granted epoch, as the batch did.
            long firstEpoch = records.get(0).record().getId().getAgentEpoch();
            long offlineEpoch = records.get(39).record().getId().getAgentEpoch();
            assertThat(records.get(39).record().getPayload().toStringUtf8()).isEqualTo(text("offline", 19));
            assertThat(offlineEpoch).isGreaterThan(firstEpoch).isGreaterThanOrEqualTo(1L << 32);
        }
    }

    @Test
    void twoLiveAgentsWithOneId_olderIsFencedAndKeepsItsRecords() throws Exception {
        try (RealHub hub = new RealHub(dir.resolve("hub"))) {
            hub.createStream(1);
            try (EdgeAgent older = InProcessEdge.start(dir.resolve("a"), hub, Map.of("agent-id", "twin"))) {
                publish(older, "older", 10);
                await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(older) == 0);
                try (EdgeAgent newer = InProcessEdge.start(dir.resolve("b"), hub, Map.of("agent-id", "twin"))) {
                    publish(newer, "newer", 10);
                    await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(newer) == 0);
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> older.forwarderStatus().state() == LinkState.FENCED);
                    assertThat(older.health().healthy()).isFalse();
                    assertThat(older.health().json()).contains("\"status\":\"down\"");

                    publish(older, "after-fence", 5); // still acknowledged: durable in its buffer, not forwarded
                    assertThat(InProcessEdge.buffered(older)).isEqualTo(5);
                    publish(newer, "newer-more", 5);
                    await().atMost(Duration.ofSeconds(30)).until(() -> InProcessEdge.buffered(newer) == 0);
                    assertThat(newer.forwarderStatus().state()).isEqualTo(LinkState.UP);
                }
            }
            assertThat(payloads(hub)).hasSize(25).doesNotContain(text("after-fence", 0));
        }
    }

    private static void publish(EdgeAgent agent, String prefix, int count) throws Exception {
        MqttClient client = new MqttClient(InProcessEdge.mqttUri(agent), "identity-" + prefix, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(100);
        client.connect(options);
        for (int i = 0; i < count; i++) {
            // each returns after its PUBACK: durable at the edge
            client.publish("tributary/site/dev/temp", text(prefix, i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        client.disconnect();
        client.close();
    }

    /** A payload that names itself: JSON, whatever the agent's payload checks. */
    private static String text(String prefix, int i) {
        return "{\"p\":\"" + prefix + "-" + i + "\"}";
    }

    private static List<String> payloads(RealHub hub) throws InterruptedException {
        return hub.readAll().stream()
                .map(r -> r.record().getPayload().toStringUtf8())
                .toList();
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
