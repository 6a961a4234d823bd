package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RecordId;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.testsupport.netfault.NetFaultProxy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication between regions over a bad network (issue 16 item 3): the home (eu) reaches its replica (us) through a
 * {@link NetFaultProxy} that resets the link mid-frame again and again, then makes it half-open. The home keeps
 * accepting writes throughout; at the end the replica is identical to the home — same records at the same sequence
 * numbers, each record once — and the half-open link was detected within {@code 3 × replication.keepalive}.
 */
class ReplicationNetFaultIT {
    private static final String STREAM = "telemetry";
    private static final Duration KEEPALIVE = Duration.ofMillis(500);
    private static final int RECORDS_PER_BATCH = 50; // ~3 KB frames: a reset budget of up to 8 KiB cuts inside them

    @TempDir
    Path dir;

    private final ClientResources resources = new ClientResources(1);
    private long produced;

    private Hub start(String region) throws Exception {
        return Hub.start(TestHubs.config(
                dir.resolve(region),
                Map.of(
                        "region", region,
                        "hub-id", "hub-" + region,
                        "replication.keepalive", KEEPALIVE.toMillis() + "ms")));
    }

    @Test
    void resetsMidFrameAndHalfOpen_replicaEndsIdentical_nothingDuplicated() throws Exception {
        try (resources;
                Hub eu = start("eu");
                Hub us = start("us");
                NetFaultProxy proxy = NetFaultProxy.start(us.port())) {
            run(eu, us, proxy);
        }
    }

    private void run(Hub eu, Hub us, NetFaultProxy proxy) throws Exception {
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            admin.createStream(CreateStream.newBuilder()
                    .setStream(STREAM)
                    .setShardCount(2)
                    .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                    .addReplicas(RegionEndpoint.newBuilder().setRegion("us").setEndpoint(proxy.endpoint()))
                    .setAckLevel(AckLevel.ACK_LEVEL_LOCAL)
                    .build());
        }
        produce(eu, "edge-1", 20);
        awaitSameContent(eu, us, "before any fault");

        // Resets mid-frame: every replication connection is cut with an RST after 1..8 KiB, while the home takes
        // writes.
        proxy.resetMidStream(8 * 1024);
        produce(eu, "edge-2", 40);
        await("several resets")
                .atMost(Duration.ofSeconds(30))
                .until(() -> proxy.stats().resets() >= 5);
        produce(eu, "edge-3", 40);
        await("more resets")
                .atMost(Duration.ofSeconds(30))
                .until(() -> proxy.stats().resets() >= 10);
        proxy.resetMidStream(0);
        awaitSameContent(eu, us, "after resets mid-frame");

        // Half-open: the replication link goes silent both ways; the home must notice and reconnect.
        long t0 = System.nanoTime();
        assertThat(proxy.halfOpen())
                .as("replication connections made half-open")
                .isEqualTo(1);
        produce(eu, "edge-4", 40);
        await("the home closes the half-open link")
                .atMost(KEEPALIVE.multipliedBy(3).plusSeconds(10))
                .until(() -> proxy.stats().halfOpenClosedByClient() == 1);
        long detectedMs = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(
                "replication half-open: detected after %d ms (bound 3 x keepalive = %d ms); proxy %s%n",
                detectedMs, KEEPALIVE.multipliedBy(3).toMillis(), proxy.stats());
        assertThat(detectedMs).isLessThanOrEqualTo(KEEPALIVE.multipliedBy(3).toMillis() + 1_500);
        awaitSameContent(eu, us, "after the half-open link");

        verifyEachRecordOnce(eu);
        verifyEachRecordOnce(us);
    }

    /** {@code batches} batches of {@link #RECORDS_PER_BATCH} records over lanes g0..g3, each acknowledged by eu. */
    private void produce(Hub eu, String agent, int batches) throws IOException {
        try (RawLink link = RawLink.handshake(eu.port(), agent, 0, Optional.empty())) {
            for (int i = 0; i < batches; i++) {
                Frame answer = link.call(TestRecords.batch(
                        i + 1,
                        STREAM,
                        agent,
                        link.epoch(),
                        "g" + (i % 4),
                        (long) RECORDS_PER_BATCH * (i / 4),
                        RECORDS_PER_BATCH));
                assertThat(answer.hasBatchAck())
                        .as("answer to batch %d: %s", i, answer)
                        .isTrue();
            }
        }
        produced += (long) batches * RECORDS_PER_BATCH;
    }

    private static void awaitSameContent(Hub eu, Hub us, String when) {
        await("replica identical to the home " + when)
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(TestRecords.shardDigests(us, STREAM))
                        .isEqualTo(TestRecords.shardDigests(eu, STREAM)));
    }

    /** Every produced record exactly once in the hub's shards. */
    private void verifyEachRecordOnce(Hub hub) {
        List<RecordId> ids = TestRecords.readStream(hub.store(), hub.streams().describe(STREAM)).stream()
                .map(s -> s.record().getId())
                .toList();
        assertThat(ids).as("records in %s", hub.port()).hasSize((int) produced).doesNotHaveDuplicates();
    }
}
