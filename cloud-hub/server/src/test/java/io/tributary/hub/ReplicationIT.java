package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.StoredBatch;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.NackReason;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.protocol.v1.StreamDescription;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs in two regions on loopback: the home (eu) replicates a stream to the replica (us) byte for byte at the same
 * sequence numbers; the replica resumes after either side restarts; ack level replicated waits for the replica;
 * promotion moves the home, the old home refuses writes and rejoins as a replica, dropping (and counting) only what
 * it accepted and never replicated.
 */
class ReplicationIT {
    private static final String STREAM = "telemetry";

    @TempDir
    Path dir;

    private ClientResources resources;
    private int euPort;
    private int usPort;
    private Hub eu;
    private Hub us;

    @BeforeEach
    void setUp() throws IOException {
        resources = new ClientResources(1);
        euPort = freePort();
        usPort = freePort();
    }

    @AfterEach
    void tearDown() {
        if (eu != null) {
            eu.close();
        }
        if (us != null) {
            us.close();
        }
        resources.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Hubs in eu (home) and us (replica) and the stream homed in eu, ack level local. */
    private StreamDescription startRegionsWithStream() throws Exception {
        eu = start("eu", euPort);
        us = start("us", usPort);
        return create(eu, AckLevel.ACK_LEVEL_LOCAL, "us", usPort);
    }

    private Hub start(String region, int port) throws Exception {
        HubConfig c = TestHubs.config(
                dir.resolve(region),
                Map.of(
                        "region",
                        region,
                        "hub-id",
                        "hub-" + region,
                        "port",
                        String.valueOf(port),
                        "replication.ack-timeout",
                        "1s"));
        return Hub.start(c);
    }

    private StreamDescription create(Hub home, AckLevel ack, String replicaRegion, int replicaPort) {
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(home.port()))) {
            return admin.createStream(CreateStream.newBuilder()
                    .setStream(STREAM)
                    .setShardCount(2)
                    .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                    .addReplicas(RegionEndpoint.newBuilder()
                            .setRegion(replicaRegion)
                            .setEndpoint("127.0.0.1:" + replicaPort))
                    .setAckLevel(ack)
                    .build());
        }
    }

    /**
     * Sends {@code batches} batches of 5 records over keys (lanes) g0..g3, each lane from {@code firstSeq}, and checks
     * each answer; returns the records sent.
     */
    private static int produce(Hub hub, String agent, long firstSeq, int batches) throws IOException {
        try (RawLink link = RawLink.handshake(hub.port(), agent, 0, Optional.empty())) {
            for (int i = 0; i < batches; i++) {
                Frame answer = link.call(TestRecords.batch(
                        i + 1, STREAM, agent, link.epoch(), "g" + (i % 4), firstSeq + 5L * (i / 4), 5));
                assertThat(answer.hasBatchAck())
                        .as("answer to batch %d: %s", i, answer)
                        .isTrue();
            }
        }
        return 5 * batches;
    }

    /** Records the replica regions are behind, summed over shards, as the home's describe says. */
    private static long lagRecords(AdminClient admin) {
        return admin.describeStream(STREAM).getShardsList().stream()
                .flatMap(sh -> sh.getReplicaLagList().stream())
                .mapToLong(l -> l.getLagRecords())
                .sum();
    }

    private void awaitSameContent() {
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(TestRecords.shardDigests(us, STREAM))
                        .isEqualTo(TestRecords.shardDigests(eu, STREAM)));
    }

    @Test
    void replica_followsFromEmptyAndAfterRestarts_byteIdenticalAtTheSameSequences() throws Exception {
        StreamDescription created = startRegionsWithStream();
        assertThat(created.getHomeRegion()).isEqualTo("eu");
        assertThat(created.getGeneration()).isEqualTo(1);
        produce(eu, "edge-1", 0, 20);
        awaitSameContent();
        assertThat(us.streams().describe(STREAM).replication().homeRegion()).isEqualTo("eu");

        // The replica restarts: it resumes from its own high-water mark.
        us.close();
        us = null;
        produce(eu, "edge-2", 0, 10);
        us = start("us", usPort);
        awaitSameContent();

        // The home restarts.
        eu.close();
        eu = null;
        eu = start("eu", euPort);
        produce(eu, "edge-3", 0, 10);
        awaitSameContent();

        // A write to the replica is refused with the home's address.
        try (RawLink link = RawLink.handshake(us.port(), "edge-4", 0, Optional.empty())) {
            Frame answer = link.call(TestRecords.batch(1, STREAM, "edge-4", link.epoch(), "g0", 0, 5));
            assertThat(answer.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_NOT_HOME);
            assertThat(answer.getNack().getHomeEndpoint()).isEqualTo("127.0.0.1:" + euPort);
            assertThat(answer.getNack().getRetriable()).isTrue();
        }
        // Describe shows the lag per replica region on both sides.
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(
                                    admin.describeStream(STREAM).getShards(0).getReplicaLagList())
                            .singleElement()
                            .satisfies(l -> {
                                assertThat(l.getRegion()).isEqualTo("us");
                                assertThat(l.getLagRecords()).isZero();
                                assertThat(l.getState()).isEqualTo("following");
                            }));
        }
    }

    @Test
    void ackReplicated_waitsForTheReplica_refusesAsNotReplicatedWhileItIsDown() throws Exception {
        eu = start("eu", euPort);
        create(eu, AckLevel.ACK_LEVEL_REPLICATED, "us", usPort);
        try (RawLink link = RawLink.handshake(eu.port(), "edge-1", 0, Optional.empty())) {
            Frame answer = link.call(TestRecords.batch(1, STREAM, "edge-1", link.epoch(), "g0", 0, 5));
            assertThat(answer.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_NOT_REPLICATED);
            assertThat(answer.getNack().getRetriable()).isTrue();
            us = start("us", usPort);
            // The resend is a duplicate at home; it is acknowledged once the replica has it.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Frame again = link.call(TestRecords.batch(2, STREAM, "edge-1", link.epoch(), "g0", 0, 5));
                assertThat(again.hasBatchAck()).as("%s", again).isTrue();
                assertThat(again.getBatchAck().getDuplicates()).isEqualTo(5);
            });
            Frame next = link.call(TestRecords.batch(3, STREAM, "edge-1", link.epoch(), "g0", 5, 5));
            assertThat(next.hasBatchAck()).as("%s", next).isTrue();
        }
        awaitSameContent();
    }

    @Test
    void promote_oldHomeReturnsAndRefusesWrites_dropsAndCountsOnlyWhatItNeverReplicated() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        awaitSameContent();
        // The link to the replica goes down; the home keeps acknowledging (ack local) what never reaches it.
        us.close();
        us = null;
        produce(eu, "edge-2", 0, 4);
        long lagWhenLost;
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            lagWhenLost = lagRecords(admin);
        }
        assertThat(lagWhenLost).isEqualTo(20);
        eu.close();
        eu = null;

        // Region eu is lost; us is promoted and takes writes.
        us = start("us", usPort);
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(us.port()))) {
            StreamDescription promoted = admin.promoteStream(STREAM, false);
            assertThat(promoted.getHomeRegion()).isEqualTo("us");
            assertThat(promoted.getGeneration()).isEqualTo(2);
        }
        produce(us, "edge-3", 0, 6);

        // eu returns: it learns generation 2, cuts the 20 records it never replicated, and follows us.
        eu = start("eu", euPort);
        awaitSameContent();
        assertThat(eu.streams().describe(STREAM).replication().homeRegion()).isEqualTo("us");
        assertThat(eu.registry()
                        .get("tributary.replication.truncated.records")
                        .counter()
                        .count())
                .isEqualTo(20.0);
        try (RawLink link = RawLink.handshake(eu.port(), "edge-5", 0, Optional.empty())) {
            Frame answer = link.call(TestRecords.batch(1, STREAM, "edge-5", link.epoch(), "g0", 0, 5));
            assertThat(answer.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_NOT_HOME);
            assertThat(answer.getNack().getHomeEndpoint()).isEqualTo("127.0.0.1:" + usPort);
        }
    }

    @Test
    void splitAtHome_isReplicatedWithItsLineage() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            admin.splitShard(STREAM, "shard-000000", 0);
        }
        produce(eu, "edge-2", 0, 8);
        awaitSameContent();
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            admin.mergeShards(STREAM, "shard-000002", "shard-000003");
        }
        produce(eu, "edge-3", 0, 8);
        awaitSameContent();
        assertThat(us.streams().describe(STREAM).shards())
                .isEqualTo(eu.streams().describe(STREAM).shards());
        // The replica refuses changes of the stream's shape: they are made at home.
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(us.port()))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> admin.splitShard(STREAM, "shard-000001", 0))
                    .hasMessageContaining("not home");
        }
    }

    @Test
    void replicaDownForAWhile_lagGrowsThenReturnsToZero_nothingLostOrDuplicated() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        awaitSameContent();
        us.close();
        us = null;
        produce(eu, "edge-2", 0, 8);
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            long behind = lagRecords(admin);
            assertThat(behind).as("records the replica lacks while it is down").isEqualTo(40);
            us = start("us", usPort);
            awaitSameContent();
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(lagRecords(admin)).isZero());
        }
        assertThat(TestRecords.readStream(us.store(), us.streams().describe(STREAM)))
                .isEqualTo(TestRecords.readStream(eu.store(), eu.streams().describe(STREAM)))
                .hasSize(80);
    }

    @Test
    void splitBrain_promotedWhileTheOldHomeRuns_theOldHomeStepsDownAndFollows() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        awaitSameContent();
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(us.port()))) {
            admin.promoteStream(STREAM, false);
        }
        // eu learns the new generation from us (its offer, or us refusing eu's) and refuses writes from then on.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                eu.streams().describe(STREAM).replication().homeRegion())
                        .isEqualTo("us"));
        try (RawLink link = RawLink.handshake(eu.port(), "edge-2", 0, Optional.empty())) {
            Frame answer = link.call(TestRecords.batch(1, STREAM, "edge-2", link.epoch(), "g0", 0, 5));
            assertThat(answer.getNack().getReason()).isEqualTo(NackReason.NACK_REASON_NOT_HOME);
        }
        produce(us, "edge-2", 0, 8);
        awaitSameContent();
        assertThat(eu.registry()
                        .get("tributary.replication.truncated.records")
                        .counter()
                        .count())
                .isZero();
    }

    @Test
    void gracefulPromotion_theHomeStopsTakingWrites_nothingIsCut() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 12);
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(us.port()))) {
            // Right after the create the replica may not have the home's connection yet: the promotion waits for it.
            StreamDescription d = admin.promoteStream(STREAM, true);
            assertThat(d.getHomeRegion()).isEqualTo("us");
            assertThat(d.getForksList())
                    .extracting(f -> f.getSequence())
                    .containsExactlyElementsOf(eu.streams().describe(STREAM).shards().stream()
                            .map(sh -> eu.store()
                                    .info(new ShardKey(STREAM, sh.id()))
                                    .nextSequence())
                            .toList());
        }
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(
                                eu.streams().describe(STREAM).replication().homeRegion())
                        .isEqualTo("us"));
        produce(us, "edge-2", 0, 4);
        awaitSameContent();
        assertThat(eu.registry()
                        .get("tributary.replication.truncated.records")
                        .counter()
                        .count())
                .isZero();
    }

    @Test
    void docsAndAlertRules_nameOnlyReplicationMetricsTheHubsExport() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 4);
        awaitSameContent();
        String scraped = eu.registry().scrape() + us.registry().scrape();
        java.util.regex.Pattern name = java.util.regex.Pattern.compile("tributary_replication_[a-z_]+");
        java.util.Set<String> named = new java.util.TreeSet<>();
        for (String file :
                List.of("docs/architecture.md", "docs/operations.md", "deploy/prometheus/tributary-alerts.yaml")) {
            java.util.regex.Matcher m = name.matcher(java.nio.file.Files.readString(Path.of("../..", file)));
            while (m.find()) {
                named.add(m.group());
            }
        }
        assertThat(named).isNotEmpty();
        for (String metric : named) {
            assertThat(scraped).as("exported metric %s", metric).containsPattern("(?m)^" + metric + "[{ ]");
        }
    }

    @Test
    void replicaThatAuthenticates_acceptsTheHomesReplicationToken_refusesAWrongOne() throws Exception {
        Path tokens = dir.resolve("us-tokens");
        java.nio.file.Files.writeString(tokens, "region-secret\n");
        us = Hub.start(TestHubs.config(
                dir.resolve("us"),
                Map.of("region", "us", "port", String.valueOf(usPort), "tokens-file", tokens.toString())));
        eu = Hub.start(TestHubs.config(
                dir.resolve("eu"),
                Map.of("region", "eu", "port", String.valueOf(euPort), "replication.token", "wrong")));
        create(eu, AckLevel.ACK_LEVEL_LOCAL, "us", usPort);
        produce(eu, "edge-1", 0, 4);
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            // The replica is shown behind by everything, with why.
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(admin.describeStream(STREAM).getShardsList().stream()
                                    .flatMap(sh -> sh.getReplicaLagList().stream())
                                    .toList())
                            .hasSize(2)
                            .allSatisfy(l -> assertThat(l.getState()).startsWith("connecting"))
                            .extracting(l -> l.getLagRecords())
                            .containsExactlyInAnyOrder(
                                    eu.store()
                                            .info(new ShardKey(STREAM, "shard-000000"))
                                            .nextSequence(),
                                    eu.store()
                                            .info(new ShardKey(STREAM, "shard-000001"))
                                            .nextSequence()));
            assertThat(eu.replication().linkStates().get("us")).startsWith("connecting");
        }
        eu.close();
        eu = Hub.start(TestHubs.config(
                dir.resolve("eu"),
                Map.of("region", "eu", "port", String.valueOf(euPort), "replication.token", "region-secret")));
        awaitSameContent();
    }

    @Test
    void replicaHoldingMoreThanItsHome_isToldToCutThere() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        awaitSameContent();
        eu.close();
        eu = null;
        // What a home that lost an unsynced tail would leave: the replica holds a batch its home does not.
        ShardKey key = new ShardKey(STREAM, "shard-000000");
        StoredBatch last = us.store()
                .read(key, us.store().info(key).nextSequence() - 5, 10, 1 << 20)
                .batches()
                .get(0);
        long hwm = us.store().info(key).nextSequence();
        us.store()
                .appendReplica(
                        key,
                        new StoredBatch(
                                hwm,
                                last.recordCount(),
                                last.codec(),
                                last.appendTimeMs(),
                                last.firstEventTimeMs(),
                                last.lastEventTimeMs(),
                                new io.tributary.hub.store.ProducerKey("ghost", "g0", 1L << 32),
                                0,
                                last.recordCount() - 1,
                                last.payload()))
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(us.store().info(key).nextSequence()).isGreaterThan(hwm);
        eu = start("eu", euPort);
        awaitSameContent();
        assertThat(us.registry()
                        .get("tributary.replication.truncated.records")
                        .counter()
                        .count())
                .isEqualTo(last.recordCount());
    }

    @Test
    void streamDeletedAndCreatedAgainAtHome_replicaDropsItsOldCopy() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        awaitSameContent();
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(eu.port()))) {
            admin.deleteStream(STREAM);
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> eu.streams().find(STREAM).isEmpty());
        assertThat(eu.replication().linkStates())
                .as("no link kept for a region no stream needs")
                .isEmpty();
        // A clock tick apart, so the new stream's creation time differs.
        long deleted = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > deleted + 2);
        create(eu, AckLevel.ACK_LEVEL_REPLICATED, "us", usPort);
        produce(eu, "edge-2", 0, 4);
        awaitSameContent();
        assertThat(TestRecords.readStream(us.store(), us.streams().describe(STREAM)))
                .hasSize(20);
    }

    @Test
    void replicaWhoseLastBatchDiffersFromItsHome_isToldToCutIt() throws Exception {
        startRegionsWithStream();
        produce(eu, "edge-1", 0, 8);
        awaitSameContent();
        eu.close();
        eu = null;
        // Same positions, other bytes in the replica's last batch (what a bug or a bad disk would leave).
        ShardKey key = new ShardKey(STREAM, "shard-000000");
        long hwm = us.store().info(key).nextSequence();
        StoredBatch last = us.store().read(key, hwm - 1, 1, 1).batches().get(0);
        us.store().truncate(key, last.baseSequence()).get(10, java.util.concurrent.TimeUnit.SECONDS);
        byte[] other = last.payloadBytes();
        other[other.length - 1] ^= 0x5a;
        us.store()
                .appendReplica(
                        key,
                        new StoredBatch(
                                last.baseSequence(),
                                last.recordCount(),
                                last.codec(),
                                last.appendTimeMs(),
                                last.firstEventTimeMs(),
                                last.lastEventTimeMs(),
                                last.producer(),
                                last.producerFirstSeq(),
                                last.producerLastSeq(),
                                java.nio.ByteBuffer.wrap(other)))
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(us.store().info(key).nextSequence()).isEqualTo(hwm);
        eu = start("eu", euPort);
        awaitSameContent();
        assertThat(us.registry()
                        .get("tributary.replication.truncated.records")
                        .counter()
                        .count())
                .isEqualTo(last.recordCount());
    }
}
