package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.micrometer.core.instrument.Gauge;
import io.tributary.edge.EdgeAgent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's case on a real small file system: the edge's data directory on a 16 MiB tmpfs the test mounts, the
 * hub down, devices publishing until the disk is full. The edge refuses with 0x97 (and withholds 3.1.1 acks), its
 * health is not ok and says why; the hub comes back, the buffer drains and releases (space returns), and the edge
 * accepts publishes again within 60 s, without a restart; every acknowledged publish is at the hub, once.
 *
 * <p>Skipped (with the reason) where a tmpfs cannot be mounted: not root, no mount(8), a container without the
 * capability.
 */
class DiskFullIT {
    private static final String PAD = "x".repeat(4000);

    @TempDir
    Path dir;

    @RegisterExtension
    final SmallTmpfs small = new SmallTmpfs("16m");

    @Test
    void diskFullWithHubDown_refuses0x97AndUnhealthy_thenHubBack_drainsReleasesAndAcceptsWithin60s_nothingLost()
            throws Exception {
        try (RealHub hub = new RealHub(dir.resolve("hub"));
                EdgeAgent agent = InProcessEdge.start(
                        small.dir().resolve("edge"),
                        hub,
                        Map.of("buffer.segment-size", "1MiB", "buffer.disk-reserve", "1MiB"))) {
            hub.createStream(1);
            Mqtt5Device v5 = new Mqtt5Device(agent, "disk-full-v5");
            List<String> acked = new ArrayList<>();
            int n = 0;

            hub.stop();
            int refused = 0;
            for (; n < 20_000 && refused < 20; n++) {
                Mqtt5PubAckReasonCode code = publish5(v5, n);
                if (code == Mqtt5PubAckReasonCode.SUCCESS) {
                    assertThat(refused)
                            .as("a success after a refusal while nothing drains")
                            .isZero();
                    acked.add(payload(n));
                } else {
                    assertThat(code).as("publish %d", n).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                    refused++;
                }
            }
            assertThat(refused).as("refusals once the disk is full").isEqualTo(20);
            assertThat(acked.size()).as("what fits in 16 MiB").isGreaterThan(2_000);
            assertThat(agent.health().healthy()).isFalse();
            assertThat(agent.health().json()).contains("\"state\":\"disk_full\"");
            assertThat(offline(agent)).isEqualTo(1.0);

            MqttAsyncClient v3 =
                    new MqttAsyncClient(InProcessEdge.mqttUri(agent), "disk-full-v3", new MemoryPersistence());
            v3.connect(new MqttConnectOptions()).waitForCompletion(5_000);
            IMqttDeliveryToken withheld = v3.publish(topic(), utf8(payload(-1)), 1, false);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !withheld.isComplete());
            v3.disconnectForcibly(0, 100);
            v3.close(true);

            long hubBack = System.nanoTime();
            hub.start();
            int[] next = {n};
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        int i = next[0]++;
                        if (publish5(v5, i) == Mqtt5PubAckReasonCode.SUCCESS) {
                            acked.add(payload(i));
                            return true;
                        }
                        return false;
                    });
            long acceptingAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hubBack);
            for (int i = 0; i < 50; i++) {
                assertThat(publish5(v5, next[0])).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                acked.add(payload(next[0]++));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> InProcessEdge.buffered(agent) == 0);
            assertThat(agent.health().json()).contains("\"state\":\"online\"");
            assertThat(offline(agent)).isZero();

            List<String> atHub = hub.readAll().stream()
                    .map(r -> r.record().getPayload().toStringUtf8())
                    .toList();
            assertThat(atHub).as("every acknowledged publish, once, in order").containsExactlyElementsOf(acked);
            System.out.printf(
                    "disk full on 16 MiB tmpfs: %d acknowledged before full, accepting again %d ms after the hub came"
                            + " back, %d at the hub%n",
                    acked.size() - 51, acceptingAfterMs, atHub.size());
            v5.close();
        }
    }

    private static double offline(EdgeAgent agent) {
        Gauge g = agent.registry()
                .find("tributary.edge.buffer.offline")
                .tag("cause", "disk_full")
                .gauge();
        return g == null ? -1 : g.value();
    }

    private static Mqtt5PubAckReasonCode publish5(Mqtt5Device device, int n) {
        return device.publish(topic(), payload(n));
    }

    private static String topic() {
        return "tributary/g0/dev-0/temp";
    }

    private static String payload(int n) {
        return "{\"n\":" + n + ",\"pad\":\"" + PAD + "\"}";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
