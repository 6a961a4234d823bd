package io.tributary.edge.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.edge.EdgeAgent;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.testsupport.netfault.NetFaultProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad networks between the edge and the hub (issue 16 item 3): a steady MQTT QoS 1 load goes into an in-process edge
 * whose uplink runs through a {@link NetFaultProxy}, which cycles through latency with jitter, a bandwidth cap, a
 * stall, resets mid-frame, a half-open link and an uplink outage. At the end every PUBACKed record is in the hub's
 * shards exactly once, in per-device order; the half-open link was detected within the keepalive bound
 * ({@code 3 × hub.keepalive}) and the edge reconnected, and the hub closed its end after its {@code idle-timeout};
 * after the outage the edge drained its backlog at ≥ 3× the ingest rate while devices kept publishing.
 */
class EdgeNetFaultIT {
    private static final int DEVICES = 4;
    private static final int GROUPS = 2;
    private static final Duration KEEPALIVE = Duration.ofSeconds(1);
    private static final Duration HUB_IDLE_TIMEOUT = Duration.ofSeconds(3);
    /** 8 s in the suite; {@code -Dtributary.netfault.outage-seconds=120} for an outage of minutes. */
    private static final Duration OUTAGE =
            Duration.ofSeconds(Integer.getInteger("tributary.netfault.outage-seconds", 8));

    @TempDir
    Path dir;

    @Test
    void faultCycle_everyAckedRecordOnceInOrder_halfOpenDetected_backlogDrainsFast() throws Exception {
        try (RealHub hub =
                        new RealHub(dir.resolve("hub"), 0, Map.of("idle-timeout", HUB_IDLE_TIMEOUT.toMillis() + "ms"));
                NetFaultProxy proxy = NetFaultProxy.start(hub.port());
                EdgeAgent agent = InProcessEdge.start(
                        dir.resolve("edge"), proxy.endpoint(), Map.of("hub.keepalive", KEEPALIVE.toMillis() + "ms"))) {
            hub.createStream(GROUPS);
            // 4 devices x 1 publish per 10 ms: a few hundred records/s, a steady load well below the edge's limit
            DevicePublishers devices =
                    new DevicePublishers(agent.mqttAddress().orElseThrow().getPort(), DEVICES, GROUPS, 1, 10);
            try (devices) {
                devices.start(OUTAGE.plusSeconds(120).toMillis()); // a deadline only; the test stops them
                awaitFlowing(hub, 200, Duration.ZERO, "warm-up");

                proxy.latency(Duration.ofMillis(40), Duration.ofMillis(40));
                awaitFlowing(hub, 200, Duration.ofSeconds(3), "latency 40 ms + jitter 40 ms");
                proxy.latency(Duration.ZERO, Duration.ZERO);

                // below the load's ~20 KB/s: a backlog builds behind the cap and is caught up afterwards
                proxy.bandwidth(8 * 1024);
                awaitFlowing(hub, 100, Duration.ofSeconds(3), "bandwidth 8 KiB/s");
                proxy.bandwidth(0);

                long acceptedBeforeStall = proxy.stats().accepted();
                proxy.stall(Duration.ofMillis(1_500));
                awaitFlowing(hub, 200, Duration.ofSeconds(2), "stall 1.5 s");
                // shorter than the keepalive bound: the link survived it
                assertThat(proxy.stats().accepted())
                        .as("connections after a stall")
                        .isEqualTo(acceptedBeforeStall);

                long resetsBefore = proxy.stats().resets();
                proxy.resetMidStream(4_096);
                awaitFlowing(hub, 0, Duration.ofSeconds(3), "resets mid-frame");
                proxy.resetMidStream(0);
                assertThat(proxy.stats().resets() - resetsBefore).as("resets").isGreaterThanOrEqualTo(3);
                awaitFlowing(hub, 200, Duration.ZERO, "after the resets");

                halfOpen_detectedWithinKeepaliveBound_andEdgeReconnects(hub, proxy);
                outage_backlogDrainsAtLeastThreeTimesIngest(hub, proxy, agent, devices);
            }
            await("edge buffer empty after the load stopped")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> InProcessEdge.buffered(agent) == 0);
            System.out.printf("proxy: %s%n", proxy.stats());
            verifyExactlyOnceInOrder(hub.readAll(), devices);
        }
    }

    private void halfOpen_detectedWithinKeepaliveBound_andEdgeReconnects(RealHub hub, NetFaultProxy proxy) {
        long acceptedBefore = proxy.stats().accepted();
        long t0 = System.nanoTime();
        assertThat(proxy.halfOpen()).as("connections made half-open").isEqualTo(1);
        await("the edge closes the half-open link")
                .atMost(KEEPALIVE.multipliedBy(3).plusSeconds(5))
                .until(() -> proxy.stats().halfOpenClosedByClient() == 1);
        long detectedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(
                "half-open: detected after %d ms (bound 3 x keepalive = %d ms)%n",
                detectedMs, KEEPALIVE.multipliedBy(3).toMillis());
        // the bound counts from the last byte heard, which came at most one keepalive interval before the fault,
        // plus scheduling slack on a busy 2-core machine
        assertThat(detectedMs).isLessThanOrEqualTo(KEEPALIVE.multipliedBy(3).toMillis() + 1_500);
        await("the edge reconnects")
                .atMost(Duration.ofSeconds(10))
                .until(() -> proxy.stats().accepted() > acceptedBefore);
        // the hub's end of the dead link hears nothing either: its idle-timeout closes it, so no session lingers
        await("the hub closes its end of the half-open link")
                .atMost(HUB_IDLE_TIMEOUT.plusSeconds(5))
                .until(() -> proxy.stats().halfOpenClosedByTarget() == 1);
        System.out.printf(
                "half-open: the hub closed its end after %d ms (idle-timeout %d ms)%n",
                (System.nanoTime() - t0) / 1_000_000, HUB_IDLE_TIMEOUT.toMillis());
        awaitFlowing(hub, 200, Duration.ZERO, "after the half-open link");
    }

    private void outage_backlogDrainsAtLeastThreeTimesIngest(
            RealHub hub, NetFaultProxy proxy, EdgeAgent agent, DevicePublishers devices) {
        long ackedAtDown = devices.ackedTotal();
        long t0 = System.nanoTime();
        proxy.uplinkDown(true);
        await("uplink outage of " + OUTAGE.toSeconds() + " s")
                .atMost(OUTAGE.plusSeconds(10))
                .until(() -> System.nanoTime() - t0 >= OUTAGE.toNanos());
        long ackedAtUp = devices.ackedTotal();
        double ingestPerSecond = (ackedAtUp - ackedAtDown) / ((System.nanoTime() - t0) / 1e9);
        long storedAtUp = hub.storedRecords();
        long buffered = InProcessEdge.buffered(agent);
        long tUp = System.nanoTime();
        proxy.uplinkDown(false);
        PubackGaps gaps = new PubackGaps(devices, tUp);
        // drained: the hub holds everything acknowledged at the edge up to the moment the uplink came back
        await("backlog drained")
                .pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(60))
                .until(() -> gaps.sample() && hub.storedRecords() >= ackedAtUp);
        double drainSeconds = (System.nanoTime() - tUp) / 1e9;
        long backlog = ackedAtUp - storedAtUp;
        double drainPerSecond = backlog / drainSeconds;
        // live ingest over the drain and the seconds after it (a drain of 0.1 s is too short to measure a rate in)
        await("live window")
                .pollInterval(Duration.ofMillis(10))
                .atMost(Duration.ofSeconds(10))
                .until(() -> gaps.sample()
                        && System.nanoTime() - tUp >= Duration.ofSeconds(3).toNanos());
        double liveSeconds = (System.nanoTime() - tUp) / 1e9;
        double livePerSecond = (devices.ackedTotal() - ackedAtUp) / liveSeconds;
        System.out.printf(
                "outage %d s: ingest %.0f records/s, backlog %d records (edge buffer %d), drained in %.2f s"
                        + " = %.0f records/s = %.1f x ingest; live ingest over the first %.1f s after the outage"
                        + " %.0f records/s, longest wait for a PUBACK %d ms%n",
                OUTAGE.toSeconds(),
                ingestPerSecond,
                backlog,
                buffered,
                drainSeconds,
                drainPerSecond,
                drainPerSecond / ingestPerSecond,
                liveSeconds,
                livePerSecond,
                gaps.longestMillis());
        assertThat(backlog).as("backlog built during the outage").isGreaterThan((long)
                (ingestPerSecond * OUTAGE.toSeconds() / 2));
        assertThat(drainPerSecond / ingestPerSecond)
                .as("drain rate / ingest rate")
                .isGreaterThanOrEqualTo(3.0);
        // live data kept flowing while the backlog drained: devices kept being acknowledged at half their rate at least
        assertThat(livePerSecond).as("live ingest after the outage").isGreaterThanOrEqualTo(ingestPerSecond / 2);
        long ackedAfter = devices.ackedTotal();
        await("live data reaches the hub")
                .atMost(Duration.ofSeconds(10))
                .until(() -> hub.storedRecords() >= ackedAfter);
    }

    /** Waits until the hub stored {@code records} more and at least {@code period} has passed. */
    private static void awaitFlowing(RealHub hub, long records, Duration period, String phase) {
        long start = hub.storedRecords();
        long t0 = System.nanoTime();
        BooleanSupplier done =
                () -> System.nanoTime() - t0 >= period.toNanos() && hub.storedRecords() >= start + records;
        await(phase).atMost(period.plusSeconds(20)).until(done::getAsBoolean);
        System.out.printf(
                "%s: %d records stored in %d ms%n",
                phase, hub.storedRecords() - start, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * No record id twice; every acknowledged publish once and no publish twice (devices never resend, so a repeated
     * payload sequence is a duplicate made downstream); per-device order kept.
     */
    private static void verifyExactlyOnceInOrder(List<ConsumerRecord> records, DevicePublishers devices) {
        assertThat(records.stream().map(r -> r.record().getId()).toList())
                .as("record ids (agent, epoch, lane, sequence)")
                .doesNotHaveDuplicates();
        Map<String, List<Long>> byDevice = new HashMap<>();
        for (ConsumerRecord r : records) {
            byDevice.computeIfAbsent(r.record().getDeviceId(), k -> new ArrayList<>())
                    .add(DevicePublishers.seqOf(r.record().getPayload().toStringUtf8()));
        }
        long acked = 0;
        for (int d = 0; d < DEVICES; d++) {
            String device = DevicePublishers.device(d);
            List<Long> seqs = byDevice.getOrDefault(device, List.of());
            Set<Long> distinct = new TreeSet<>(seqs);
            assertThat(seqs).as("%s: no duplicates", device).hasSameSizeAs(distinct);
            assertThat(seqs).as("%s: in publish order", device).isSorted();
            assertThat(distinct).as("%s: every PUBACKed record", device).containsAll(devices.acked(d));
            acked += devices.acked(d).size();
        }
        System.out.printf("verified: %d records at the hub, %d of them PUBACKed%n", records.size(), acked);
        assertThat(acked).as("records acknowledged over the run").isGreaterThan(3_000);
    }

    /** The longest time without a new PUBACK, sampled by the test thread while it waits. */
    private static final class PubackGaps {
        private final DevicePublishers devices;
        private long lastCount;
        private long lastChange;
        private long longest;

        PubackGaps(DevicePublishers devices, long startNanos) {
            this.devices = devices;
            this.lastCount = devices.ackedTotal();
            this.lastChange = startNanos;
        }

        /** Takes a sample; always true, to run inside an Awaitility condition. */
        boolean sample() {
            long now = System.nanoTime();
            long count = devices.ackedTotal();
            if (count != lastCount) {
                lastCount = count;
                lastChange = now;
            }
            longest = Math.max(longest, now - lastChange);
            return true;
        }

        long longestMillis() {
            return longest / 1_000_000;
        }
    }
}
