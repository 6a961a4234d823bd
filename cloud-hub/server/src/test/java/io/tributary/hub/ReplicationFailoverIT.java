package io.tributary.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.TestRecords.Stored;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.protocol.v1.AckLevel;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.RegionEndpoint;
import io.tributary.protocol.v1.ShardDescription;
import io.tributary.protocol.v1.StreamDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two regions' hubs as child JVMs, a stream with ack level replicated and a producer that lists both hubs. Ten times:
 * SIGKILL the home under load, promote the replica, let the producer follow, restart the old home, which rejoins as
 * the replica. At the end every acknowledged record is in the final home exactly once, in order per key, and both
 * regions hold the same bytes at the same sequences.
 */
class ReplicationFailoverIT {
    private static final String STREAM = "failover";
    private static final int KILLS = 10;
    private static final int OUTSTANDING = 100;
    private static final List<String> KEYS = List.of("g1", "g2", "g3", "g4", "g5", "g6");

    @TempDir
    Path dir;

    private final KeyedFeed feed = new KeyedFeed(KEYS, OUTSTANDING);

    private record Region(String name, Path data, int port) {}

    @Test
    void homeKilledTenTimes_promotedEachTime_everyAcknowledgedRecordOnceInKeyOrderInBothRegions() throws Exception {
        Random random = new Random(0x2E_610_5L);
        Region[] regions = {
            new Region("eu", dir.resolve("eu"), HubProcesses.freePort()),
            new Region("us", dir.resolve("us"), HubProcesses.freePort())
        };
        Process[] children = {start(regions[0], 0), start(regions[1], 0)};
        AtomicBoolean feeding = new AtomicBoolean(true);
        Thread feeder = null;
        try (ClientResources resources = new ClientResources(1)) {
            try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(regions[0].port()))) {
                admin.createStream(CreateStream.newBuilder()
                        .setStream(STREAM)
                        .setShardCount(3)
                        .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP)
                        .addReplicas(RegionEndpoint.newBuilder()
                                .setRegion("us")
                                .setEndpoint("127.0.0.1:" + regions[1].port()))
                        .setAckLevel(AckLevel.ACK_LEVEL_REPLICATED)
                        .build());
            }
            ClientOptions both = ClientOptions.builder(List.of(
                            new HubEndpoint("127.0.0.1", regions[0].port()),
                            new HubEndpoint("127.0.0.1", regions[1].port())))
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            Producer producer = Producer.create(resources, both, TestHubs.producer(STREAM, "failover-producer", 6));
            try {
                feeder = new Thread(() -> feed.run(producer, feeding), "failover-feeder");
                feeder.start();
                int home = 0;
                for (int kill = 0; kill < KILLS; kill++) {
                    int replica = 1 - home;
                    awaitMoreAcks(random.nextInt(60), kill);
                    children[home].destroyForcibly();
                    assertThat(children[home].waitFor(20, TimeUnit.SECONDS)).isTrue();
                    promote(resources, regions[replica]);
                    // The old home returns, learns the new generation and follows the new home; under ack level
                    // replicated the new home acknowledges nothing until some replica has it.
                    children[home] = start(regions[home], kill + 1);
                    awaitMoreAcks(1 + random.nextInt(40), kill);
                    awaitInSync(resources, regions[replica], regions[home]);
                    home = replica;
                }
                feeding.set(false);
                feeder.join(10_000);
                producer.flush().get(90, TimeUnit.SECONDS);
                feed.awaitAnswered(Duration.ofSeconds(60));
                awaitInSync(resources, regions[home], regions[1 - home]);
            } finally {
                feeding.set(false);
                producer.close();
            }
            for (Process c : children) {
                c.destroy();
                assertThat(c.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            for (Process c : children) {
                c.destroyForcibly();
            }
        }
        // Read both regions' stores in process, on their data dirs.
        List<Stored> finalHome;
        Map<String, List<Stored>> byRegion = new HashMap<>();
        for (Region r : regions) {
            try (Hub hub = Hub.start(TestHubs.config(r.data(), Map.of("region", r.name())))) {
                StreamDefinition stream = hub.streams().describe(STREAM);
                List<Stored> all = new ArrayList<>();
                for (ShardDefinition shard : stream.shards()) {
                    all.addAll(TestRecords.readShard(hub.store(), new ShardKey(STREAM, shard.id())));
                }
                byRegion.put(r.name(), all);
            }
        }
        finalHome = byRegion.get("eu");
        assertThat(byRegion.get("us"))
                .as("both regions hold the same records at the same sequences")
                .isEqualTo(finalHome);
        feed.verify(finalHome.stream().map(Stored::placed).toList(), false);
    }

    private Process start(Region r, int run) {
        return HubProcesses.startHub(
                r.data(), r.port(), "hub-" + r.name() + "-" + run, dir.resolve("children.err"), "--region", r.name());
    }

    private void awaitMoreAcks(int more, int kill) {
        feed.awaitMoreAcks(more, "around kill " + kill);
    }

    private static void promote(ClientResources resources, Region r) {
        try (AdminClient admin = AdminClient.connect(resources, TestHubs.client(r.port()))) {
            StreamDescription d = admin.promoteStream(STREAM, false);
            assertThat(d.getHomeRegion()).isEqualTo(r.name());
        }
    }

    /** Waits until the replica holds, per shard, everything the home holds. */
    private static void awaitInSync(ClientResources resources, Region home, Region replica) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    try (AdminClient h = AdminClient.connect(resources, TestHubs.client(home.port()));
                            AdminClient r = AdminClient.connect(resources, TestHubs.client(replica.port()))) {
                        StreamDescription hd = h.describeStream(STREAM);
                        StreamDescription rd = r.describeStream(STREAM);
                        assertThat(rd.getHomeRegion()).isEqualTo(home.name());
                        assertThat(rd.getGeneration()).isEqualTo(hd.getGeneration());
                        assertThat(rd.getShardsList().stream()
                                        .map(ShardDescription::getNextSequence)
                                        .toList())
                                .isEqualTo(hd.getShardsList().stream()
                                        .map(ShardDescription::getNextSequence)
                                        .toList());
                    }
                });
    }
}
