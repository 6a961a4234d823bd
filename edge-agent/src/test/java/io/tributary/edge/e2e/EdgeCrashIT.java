package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.ConsumerRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge agent in a child JVM, SIGKILLed at seeded random moments while devices publish (QoS 1 with clean sessions;
 * QoS 2 with persistent sessions that resend) and the forwarder sends to a real hub, restarted on the same data
 * directory each time. Proves promises 1, 3 and 5 across crashes: every publish that got its PUBACK/PUBCOMP reaches
 * the hub's shard exactly once and in per-device order, and the buffer reopens every time (a new epoch each opening,
 * never a report of damaged data).
 */
class EdgeCrashIT {
    private static final long OPENING_BITS = 0xFFFF_FFFFL;
    private static final int KILLS = 20;
    private static final int QOS2_KILLS = 10;
    private static final int DEVICES = 4;
    private static final int GROUPS = 2;
    private static final long SEED = 20_240_605L;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void sigkillUnderLoad_repeatedly_everyAckedPublishReachesHubOnceInOrder() throws Exception {
        killUnderLoad(KILLS, port -> new DevicePublishers(port, DEVICES, GROUPS));
    }

    /**
     * QoS 2 from devices with persistent sessions, which resend after each kill what was in flight (PUBLISH with DUP,
     * PUBREL): a resent publish stored before the kill is not stored again (the agent's QoS 2 receipts, restored with
     * the session), so every completed publish (PUBCOMP) is at the hub exactly once.
     */
    @Test
    void sigkillUnderQos2Load_persistentSessionsResend_everyCompletedPublishReachesHubOnce() throws Exception {
        killUnderLoad(QOS2_KILLS, port -> new DevicePublishers(port, DEVICES, GROUPS, 8, 10, 2).persistentSessions());
    }

    private void killUnderLoad(int kills, IntFunction<DevicePublishers> publishers) throws Exception {
        Random random = new Random(SEED);
        int mqttPort = freePort();
        Path edgeDir = dir.resolve("edge");
        try (RealHub hub = new RealHub(dir.resolve("hub"));
                DevicePublishers devices = publishers.apply(mqttPort)) {
            hub.createStream(2);
            Path config = EdgeProcess.config(
                    dir.resolve("edge.yaml"),
                    List.of(
                            "data-dir: " + edgeDir,
                            "agent-id: crash-edge",
                            "mqtt.host: 127.0.0.1",
                            "mqtt.port: " + mqttPort,
                            "mqtt.allow-anonymous: true",
                            "mqtt.io-threads: 1",
                            "hub.endpoints: " + hub.endpoint(),
                            "stream: " + RealHub.STREAM,
                            "metrics.port: -1",
                            "batch.max-records: 100",
                            "batch.linger: 5ms",
                            "backoff.initial: 20ms",
                            "backoff.max: 200ms"));
            devices.start(Duration.ofSeconds(150).toMillis());
            long grant = 0;
            for (int run = 0; run < kills; run++) {
                long t0 = System.nanoTime();
                EdgeProcess edge = EdgeProcess.start(config, dir.resolve("edge-" + run + ".err"));
                long ready = (System.nanoTime() - t0) / 1_000_000;
                // the opening number in the low 32 bits, the hub's grant above (none before the first connection;
                // once held, kept across every crash)
                assertThat(edge.epoch() & OPENING_BITS)
                        .as("epoch of opening %d", run)
                        .isEqualTo(run + 1L);
                if (grant > 0) {
                    assertThat(edge.epoch() >>> 32)
                            .as("grant of opening %d", run)
                            .isEqualTo(grant);
                }
                grant = edge.epoch() >>> 32;
                long target = devices.ackedTotal() + 1 + random.nextInt(300);
                try {
                    await().atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(2))
                            .until(() -> devices.ackedTotal() >= target);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(
                            "run " + run + ": acks stuck at " + devices.ackedTotal() + " < " + target + "; edge log:\n"
                                    + edge.log(),
                            e);
                } finally {
                    edge.kill();
                }
                assertReopenedCleanly(edge, run);
                System.out.printf(
                        "run %d: ready in %d ms, killed after %d ms, acked %d%n",
                        run, ready, (System.nanoTime() - t0) / 1_000_000, devices.ackedTotal());
            }

            EdgeProcess last = EdgeProcess.start(config, dir.resolve("edge-last.err"));
            assertThat(last.epoch() & OPENING_BITS).isEqualTo(kills + 1L);
            assertThat(last.epoch() >>> 32).isEqualTo(grant).isPositive();
            long more = devices.ackedTotal() + 200;
            await().atMost(Duration.ofSeconds(30)).until(() -> devices.ackedTotal() >= more);
            devices.close();
            long acked = devices.ackedTotal();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> hub.storedRecords() >= acked && devices.missing(hub.readAll()) == 0);
            last.stop();
            assertReopenedCleanly(last, kills);

            List<ConsumerRecord> records = hub.readAll();
            Map<String, List<Long>> byDevice = new HashMap<>();
            for (ConsumerRecord r : records) {
                byDevice.computeIfAbsent(r.record().getDeviceId(), k -> new ArrayList<>())
                        .add(DevicePublishers.seqOf(r.record().getPayload().toStringUtf8()));
            }
            for (int d = 0; d < DEVICES; d++) {
                List<Long> seqs = byDevice.getOrDefault(DevicePublishers.device(d), List.of());
                assertThat(seqs).as("device %d: every acked publish", d).containsAll(devices.acked(d));
                assertThat(seqs).as("device %d: each publish once", d).doesNotHaveDuplicates();
                for (int i = 1; i < seqs.size(); i++) {
                    if (seqs.get(i) < seqs.get(i - 1)) {
                        throw new AssertionError("device " + d + " out of order at " + i + ": "
                                + describe(records, DevicePublishers.device(d), i));
                    }
                }
            }
            System.out.printf(
                    "edge crash test: %d SIGKILLs, %d acked publishes, %d records in the shards%n",
                    kills, acked, records.size());
        }
    }

    private static void assertReopenedCleanly(EdgeProcess edge, int run) throws IOException {
        String log = edge.log();
        assertThat(log).as("log of opening %d", run).doesNotContain("damaged").doesNotContain("is offline");
        assertThat(log).as("log of opening %d", run).contains("Buffer ").contains(" open: epoch " + edge.epoch());
    }

    /** The records around the {@code i}-th of a device, with their edge ids, for a failure message. */
    private static String describe(List<ConsumerRecord> records, String device, int i) {
        List<ConsumerRecord> mine = records.stream()
                .filter(r -> r.record().getDeviceId().equals(device))
                .toList();
        StringBuilder b = new StringBuilder();
        for (int k = Math.max(0, i - 3); k < Math.min(mine.size(), i + 3); k++) {
            ConsumerRecord r = mine.get(k);
            b.append(String.format(
                    "%n  shard %s #%d payload %s id epoch %d seq %d",
                    r.shardId(),
                    r.sequence(),
                    r.record().getPayload().toStringUtf8(),
                    r.record().getId().getAgentEpoch(),
                    r.record().getId().getSequence()));
        }
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
