package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tributary.hub.client.ConsumerRecord;
import io.tributary.testsupport.MosquittoBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge agent as a bridge from Mosquitto, in a child JVM SIGKILLed at seeded random moments while devices publish
 * QoS 2 to Mosquitto, restarted on the same data directory each time. Every publish Mosquitto completed (PUBCOMP)
 * reaches the hub exactly once: a redelivery of a message the agent had stored is recognised (the agent logs each one)
 * rather than stored again.
 */
class BridgeCrashIT {
    private static final int KILLS = 6;
    private static final int DEVICES = 2;
    private static final long SEED = 20_261_205L;
    private static final Pattern RECOGNISED = Pattern.compile("redelivered by the broker was stored already");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void sigkillWhileBridging_qos2_everyCompletedPublishReachesHub_redeliveriesNotStoredAgain() throws Exception {
        assumeTrue(MosquittoBroker.installed(), "mosquitto not installed (apt-get install mosquitto)");
        Random random = new Random(SEED);
        // no cap on what Mosquitto queues for the bridge while the agent is down (the default drops beyond 1,000);
        // at most ~100 publishes/s: at QoS 2 the bridge's MQTT client fsyncs each message before its PUBREC
        try (MosquittoBroker broker =
                        MosquittoBroker.start(dir.resolve("mosquitto"), List.of("max_queued_messages 0"));
                RealHub hub = new RealHub(dir.resolve("hub"));
                DevicePublishers devices = new DevicePublishers(broker.port(), DEVICES, 1, 1, 20, 2)) {
            hub.createStream(1);
            Path config = EdgeProcess.config(
                    dir.resolve("edge.yaml"),
                    List.of(
                            "data-dir: " + dir.resolve("edge"),
                            "agent-id: bridge-edge",
                            "mqtt.host: 127.0.0.1",
                            "mqtt.port: " + freePort(),
                            "mqtt.allow-anonymous: true",
                            "hub.endpoints: " + hub.endpoint(),
                            "stream: " + RealHub.STREAM,
                            "metrics.port: -1",
                            "bridge.url: " + broker.url(),
                            "bridge.topics: tributary/#",
                            "bridge.qos: 2",
                            "bridge.client-id: crash-bridge",
                            "batch.linger: 5ms",
                            "backoff.initial: 20ms",
                            "backoff.max: 200ms"));
            int recognised = 0;
            for (int run = 0; run < KILLS; run++) {
                EdgeProcess edge = EdgeProcess.start(config, dir.resolve("edge-" + run + ".err"));
                if (run == 0) { // Mosquitto keeps nothing for a client that never subscribed
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> edge.log().contains("Bridge subscribed"));
                    devices.start(Duration.ofSeconds(120).toMillis());
                }
                long stored = hub.storedRecords();
                long target = stored + 20 + random.nextInt(200);
                try {
                    await().atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> hub.storedRecords() >= target);
                } finally {
                    edge.kill();
                }
                recognised += count(edge.log());
                System.out.printf("bridge run %d: killed at %d records at the hub%n", run, hub.storedRecords());
            }
            EdgeProcess last = EdgeProcess.start(config, dir.resolve("edge-last.err"));
            try {
                long more = devices.ackedTotal() + 100;
                await().atMost(Duration.ofSeconds(30)).until(() -> devices.ackedTotal() >= more);
                devices.close();
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> devices.missing(hub.readAll()) == 0);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(
                        devices.missing(hub.readAll()) + " completed publishes not at the hub: "
                                + devices.describeMissing(hub.readAll()),
                        e);
            } finally {
                last.stop();
            }
            long acked = devices.ackedTotal();
            recognised += count(last.log());

            List<ConsumerRecord> records = hub.readAll();
            Map<String, List<Long>> byDevice = new HashMap<>();
            for (ConsumerRecord r : records) {
                byDevice.computeIfAbsent(r.record().getDeviceId(), k -> new ArrayList<>())
                        .add(DevicePublishers.seqOf(r.record().getPayload().toStringUtf8()));
            }
            long duplicates = 0;
            for (int d = 0; d < DEVICES; d++) {
                List<Long> seqs = byDevice.getOrDefault(DevicePublishers.device(d), List.of());
                assertThat(seqs).as("device %d: every completed publish", d).containsAll(devices.acked(d));
                duplicates += seqs.size() - seqs.stream().distinct().count();
            }
            System.out.printf(
                    "bridge crash test: %d SIGKILLs, %d publishes completed by Mosquitto, %d records at the hub,"
                            + " %d duplicates, %d redeliveries recognised and not stored again%n",
                    KILLS, acked, records.size(), duplicates, recognised);
            assertThat(duplicates).as("duplicates").isZero();
        }
    }

    private static int count(String log) {
        Matcher m = RECOGNISED.matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
