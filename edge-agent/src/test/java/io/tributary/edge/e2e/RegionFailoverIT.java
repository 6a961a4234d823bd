package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import java.net.ServerSocket;
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
 * An edge agent that lists both regions' hubs; the stream is homed in eu with ack level replicated. The eu hub goes
 * away mid-stream, us is promoted, eu comes back as its replica: the edge follows the redirect, and every publish it
 * acknowledged is in the new home exactly once, in per-device order.
 */
class RegionFailoverIT {
    private static final int DEVICES = 3;

    @TempDir
    Path dir;

    @Test
    void homeLostMidStream_replicaPromoted_everyAckedPublishOnceInTheNewHome() throws Exception {
        int euPort = freePort();
        int usPort = freePort();
        try (RealHub eu = new RealHub(dir.resolve("eu"), euPort, Map.of("region", "eu", "hub-id", "hub-eu"));
                RealHub us = new RealHub(dir.resolve("us"), usPort, Map.of("region", "us", "hub-id", "hub-us"))) {
            try (AdminClient admin = AdminClient.connect(eu.resources(), eu.client())) {
                admin.createStream(CreateStream.newBuilder()
                        .setStream(RealHub.STREAM)
                        .setShardCount(2)
                        .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                        .addReplicas(RegionEndpoint.newBuilder().setRegion("us").setEndpoint(us.endpoint()))
                        .setAckLevel(AckLevel.ACK_LEVEL_REPLICATED)
                        .build());
            }
            try (EdgeAgent agent = InProcessEdge.start(
                    dir.resolve("edge"),
                    eu,
                    Map.of("hub.endpoints", eu.endpoint() + "," + us.endpoint(), "batch.max-records", "20"))) {
                MqttClient client = new MqttClient(InProcessEdge.mqttUri(agent), "region-it", new MemoryPersistence());
                MqttConnectOptions options = new MqttConnectOptions();
                options.setMaxInflight(50);
                client.connect(options);
                int[] next = new int[DEVICES];
                publish(client, next, 100);

                eu.stop(); // region eu is lost
                try (AdminClient admin = AdminClient.connect(us.resources(), us.client())) {
                    assertThat(admin.promoteStream(RealHub.STREAM, false).getHomeRegion())
                            .isEqualTo("us");
                }
                publish(client, next, 100); // acknowledged by the edge: durable in its buffer
                eu.start(); // comes back, learns generation 2 and follows us: us can acknowledge again
                publish(client, next, 100);
                client.disconnect();
                client.close();
                await().atMost(Duration.ofSeconds(60)).until(() -> InProcessEdge.buffered(agent) == 0);
            }
            List<ConsumerRecord> records = us.readAll();
            assertThat(records).hasSize(DEVICES * 300);
            for (int d = 0; d < DEVICES; d++) {
                String device = "dev-" + d;
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    expected.add(payload(d, i));
                }
                assertThat(records.stream()
                                .filter(r -> r.record().getDeviceId().equals(device))
                                .map(r -> r.record().getPayload().toStringUtf8())
                                .toList())
                        .as(device)
                        .containsExactlyElementsOf(expected);
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
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
