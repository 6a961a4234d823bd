package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.HubProcesses;
import io.tributary.hub.RawLink;
import io.tributary.hub.TestRecords;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.SampleBatches;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardUnavailableException;
import io.tributary.protocol.v1.BatchAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ShardDescription;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two regions, each a Pulsar standalone of its own (clusters {@code east} and {@code west}, joined as an operator
 * would: {@link GeoClusters}), and Pulsar's geo-replication of the store's namespace from east to west. The home hub
 * (a child JVM on east, {@code --pulsar-replication-clusters east,west}) takes batches; the hub in west ({@code
 * pulsar.replica}) reads the same records at the same sequences and takes no writes, and no store in west can take a
 * shard's topic while east's replicator holds it. Then replication falls behind (east stops replicating, as a lagging
 * or cut link would), the home takes more batches, and east dies: its hub and its broker are SIGKILLed. West's hub is
 * restarted without {@code pulsar.replica} (the promotion) and takes the shard over at the replicated tail. The agent
 * resends every batch east acknowledged: those that were replicated are answered DUPLICATE at the sequences east gave
 * them, those that were not (acknowledged, then lost with east) are stored anew after the tail; new batches follow.
 * Read in west, every record is there exactly once, in put order, with no sequence gap or reuse.
 *
 * <p>Two brokers and two hubs are heavy for two cores: this IT runs under the Maven profile {@code pulsar-geo} only
 * ({@code ./mvnw -B -Ppulsar-geo -pl cloud-hub/store-pulsar -am verify}).
 */
class PulsarGeoIT {
    private static final String NAMESPACE = "tributary"; // the home hub's default (a child JVM, flags only)
    private static final String AGENT = "geo-agent";
    private static final String KEY = "g";
    private static final int BATCH = 10;
    private static final int REPLICATED = 30;
    private static final int UNREPLICATED = 5;
    private static final int AFTER = 10;
    /** The producer runs a shard remembers with their positions (the store's default producer window). */
    private static final int WINDOW = 16;

    @TempDir
    Path dir;

    @Test
    void homeWrites_replicaReads_homeKilled_replicaPromoted_everyRecordOnceInOrder() throws Exception {
        long startedAt = System.nanoTime();
        List<String> classPath = PulsarStandalone.classPathOrSkip();
        String stream = "geo";
        try (PulsarStandalone east = PulsarStandalone.start(dir.resolve("east"), classPath, "east");
                PulsarStandalone west = PulsarStandalone.start(dir.resolve("west"), classPath, "west");
                ClientResources resources = new ClientResources(1)) {
            GeoClusters.join(east, west);
            checkUnknownClusterRefused(east);
            // The replica hub first: its start creates the namespace in west, where east's replicator writes.
            Hub[] replica = {
                Hub.start(config(
                        "west-replica",
                        west,
                        Map.of("pulsar.replica", "true", "metrics-port", "0", "pulsar.catalog-lock-timeout", "2s")))
            };
            int replicaPort = replica[0].port();
            int homePort = HubProcesses.freePort();
            Process home = HubProcesses.startHub(
                    dir.resolve("east-hub"),
                    homePort,
                    "hub-east",
                    dir.resolve("east-hub.err"),
                    "--store",
                    "pulsar",
                    "--pulsar-url",
                    east.serviceUrl(),
                    "--pulsar-admin-url",
                    east.adminUrl().toString(),
                    "--pulsar-replication-clusters",
                    "east,west");
            try {
                HubsOnPulsar.createStream(resources, homePort, stream, 1);
                String shard = describe(resources, homePort, stream).getShardId();
                ShardKey key = new ShardKey(stream, shard);

                // Replicated: east acknowledges, west reads the same records at the same sequences.
                List<List<Long>> placed = new ArrayList<>();
                List<Long> lagMs = new ArrayList<>(); // per batch: east's acknowledgement to its copy readable in west
                long epoch;
                try (RawLink link = RawLink.handshake(homePort, AGENT, 0, Optional.empty());
                        PulsarClient westClient = PulsarClient.builder()
                                .serviceUrl(west.serviceUrl())
                                .build()) {
                    ReplicaFollower copy = new ReplicaFollower(
                            westClient,
                            "persistent://public/" + NAMESPACE + "/" + stream + "." + shard,
                            WINDOW,
                            10_000);
                    epoch = link.epoch();
                    for (int i = 0; i < REPLICATED; i++) {
                        placed.add(put(link, i, epoch).getSequenceList());
                        long acked = System.nanoTime();
                        long end = (long) (i + 1) * BATCH;
                        await("batch " + i + " copied to west")
                                .atMost(Duration.ofSeconds(30))
                                .pollInterval(Duration.ofMillis(1))
                                .ignoreExceptions()
                                .until(() -> copy.catchUp().next >= end);
                        lagMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - acked));
                    }
                    copy.close();
                }
                Collections.sort(lagMs);
                long ackedAt = System.nanoTime();
                long replicatedEnd = (long) REPLICATED * BATCH;
                await("west reads what east acknowledged")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(10))
                        .ignoreExceptions()
                        .until(() -> describe(resources, replicaPort, stream).getNextSequence() == replicatedEnd);
                long hubMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ackedAt);
                List<String> inEast = HubsOnPulsar.readAll(resources, homePort, stream, shard, (int) replicatedEnd);
                List<String> inWest = HubsOnPulsar.readAll(resources, replicaPort, stream, shard, (int) replicatedEnd);
                assertThat(inEast).hasSize((int) replicatedEnd).isEqualTo(payloads(0, replicatedEnd));
                assertThat(inWest)
                        .as("west's copy, read through its replica hub")
                        .isEqualTo(inEast);
                assertThat(describe(resources, replicaPort, stream).getStatus()).startsWith("replica (pulsar.replica)");
                assertThat(health(replica[0]))
                        .as("a replica's shards do not make it degraded")
                        .contains("\"status\":\"ok\"")
                        .contains("replica (pulsar.replica)");
                checkWestCannotWrite(west, key, replicatedEnd);
                assertThatThrownBy(() -> HubsOnPulsar.createStream(resources, replicaPort, "made-in-west", 1))
                        .as("a stream change at the replica: the catalog's lock is east's replicator's")
                        .hasMessageContaining("catalog change of stream made-in-west not made");

                // Replication falls behind; east acknowledges batches that never reach west, then dies.
                GeoClusters.replicateTo(east, NAMESPACE, "east");
                await("east stops replicating")
                        .atMost(Duration.ofSeconds(30))
                        .until(() ->
                                GeoClusters.notReplicating(east, "public/" + NAMESPACE + "/" + stream + "." + shard));
                try (RawLink link = RawLink.handshake(homePort, AGENT, epoch, Optional.empty())) {
                    for (int i = REPLICATED; i < REPLICATED + UNREPLICATED; i++) {
                        placed.add(put(link, i, epoch).getSequenceList());
                    }
                }
                home.destroyForcibly();
                east.kill();
                long killedAt = System.nanoTime();
                assertThat(home.waitFor(20, TimeUnit.SECONDS)).isTrue();

                // The promotion: west's hub restarted without pulsar.replica takes the shard at the replicated tail.
                replica[0].close();
                replica[0] = null;
                try (Hub promoted = Hub.start(config("west-promoted", west, Map.of()))) {
                    await("west writes the shard")
                            .atMost(Duration.ofSeconds(60))
                            .ignoreExceptions()
                            .until(() -> describe(resources, promoted.port(), stream)
                                    .getStatus()
                                    .startsWith("online"));
                    long promotionMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                    assertThat(describe(resources, promoted.port(), stream).getNextSequence())
                            .as("west continues after the replicated tail")
                            .isEqualTo(replicatedEnd);
                    resendAndContinue(promoted.port(), epoch, placed, replicatedEnd);
                    long total = (long) (REPLICATED + UNREPLICATED + AFTER) * BATCH;
                    assertThat(HubsOnPulsar.readAll(resources, promoted.port(), stream, shard, (int) total))
                            .as("every record once, in put order, sequences 0..%d without gap", total - 1)
                            .isEqualTo(payloads(0, total));
                    System.out.printf(
                            "PulsarGeoIT: replication lag per batch (acknowledged in east to readable in west, %d"
                                    + " batches) median %d ms, max %d ms; west's replica hub describes the end %d ms"
                                    + " after the last acknowledgement; %d records acknowledged in east and lost with"
                                    + " it (resent: stored anew in west); kill to promoted hub online %d ms; whole"
                                    + " test %d s%n",
                            lagMs.size(),
                            lagMs.get(lagMs.size() / 2),
                            lagMs.get(lagMs.size() - 1),
                            hubMs,
                            UNREPLICATED * BATCH,
                            promotionMs,
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedAt));
                }
            } finally {
                home.destroyForcibly();
                if (replica[0] != null) {
                    replica[0].close();
                }
            }
        }
    }

    /** A store that names a cluster its brokers do not know does not start, and says which. */
    private static void checkUnknownClusterRefused(PulsarStandalone east) {
        PulsarStoreConfig config = PulsarStoreConfig.builder(east.serviceUrl(), east.adminUrl())
                .namespace("geo-refused")
                .replicationClusters(List.of("east", "nowhere"))
                .build();
        try (PulsarShardStore store = new PulsarShardStore(config, Clock.systemUTC())) {
            assertThatThrownBy(store::checkReachable)
                    .hasMessageContaining("pulsar.replication-clusters: [nowhere] not registered with the brokers")
                    .hasMessageContaining("they know [");
        }
    }

    /**
     * West's stores while east replicates: a replica serves the shard read-only at east's sequences; a writer cannot
     * take the topic (east's replicator holds it as a shared producer, so the broker refuses an exclusive one).
     */
    private static void checkWestCannotWrite(PulsarStandalone west, ShardKey key, long end) {
        PulsarStoreConfig.Builder base =
                PulsarStoreConfig.builder(west.serviceUrl(), west.adminUrl()).operationTimeout(Duration.ofSeconds(10));
        try (PulsarShardStore replica = new PulsarShardStore(base.replica(true).build(), Clock.systemUTC())) {
            ShardInfo info = replica.open(key);
            assertThat(info.status()).isEqualTo(ShardStatus.REPLICA);
            assertThat(info.cause()).startsWith("replica (pulsar.replica)");
            assertThat(info.nextSequence()).isEqualTo(end);
            assertThat(replica.read(key, 0, 1, 1 << 20).batches()).hasSize(1);
            assertThat(replica.append(key, SampleBatches.batch(new ProducerKey("west-agent", KEY, 1), 1, 0, 1)))
                    .failsWithin(Duration.ofSeconds(10))
                    .withThrowableThat()
                    .withCauseInstanceOf(ShardUnavailableException.class)
                    .withMessageContaining("serves reads only");
        }
        try (PulsarShardStore writer = new PulsarShardStore(base.replica(false).build(), Clock.systemUTC())) {
            assertThatThrownBy(() -> writer.open(key)).isInstanceOf(ShardUnavailableException.class);
            assertThat(writer.info(key).status()).isNotEqualTo(ShardStatus.ONLINE);
        }
    }

    /**
     * At the promoted hub, with the grant east gave (replicated with the namespace): every batch east acknowledged
     * again, then {@value #AFTER} new ones.
     */
    private static void resendAndContinue(int port, long epoch, List<List<Long>> placed, long replicatedEnd)
            throws IOException {
        try (RawLink link = RawLink.handshake(port, AGENT, epoch, Optional.empty())) {
            assertThat(link.epoch()).as("east's grant, replicated to west").isEqualTo(epoch);
            long next = replicatedEnd;
            for (int i = 0; i < REPLICATED + UNREPLICATED + AFTER; i++) {
                BatchAck ack = put(link, i, epoch);
                if (i < REPLICATED) {
                    assertThat(ack.getDuplicates())
                            .as("batch %d, replicated", i)
                            .isEqualTo(BATCH);
                    // As on any store: a run older than the window is known as a duplicate, its position is not.
                    List<Long> expected = i >= REPLICATED - WINDOW ? placed.get(i) : Collections.nCopies(BATCH, -1L);
                    assertThat(ack.getSequenceList())
                            .as("batch %d: east's sequences", i)
                            .isEqualTo(expected);
                } else {
                    assertThat(ack.getDuplicates())
                            .as("batch %d, not replicated: stored anew", i)
                            .isZero();
                    assertThat(ack.getSequenceList().get(0))
                            .as("batch %d after the tail", i)
                            .isEqualTo(next);
                    next += BATCH;
                }
            }
        }
    }

    private static String health(Hub hub) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + hub.metricsPort().orElseThrow() + "/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static BatchAck put(RawLink link, int batch, long epoch) throws IOException {
        Frame reply = link.call(TestRecords.batch(batch + 1, "geo", AGENT, epoch, KEY, (long) batch * BATCH, BATCH));
        assertThat(reply.hasBatchAck())
                .as("answer to batch %d: %s", batch, reply)
                .isTrue();
        return reply.getBatchAck();
    }

    private static List<String> payloads(long from, long to) {
        List<String> out = new ArrayList<>();
        for (long s = from; s < to; s++) {
            out.add(KEY + ":" + s);
        }
        return out;
    }

    private static ShardDescription describe(ClientResources resources, int port, String stream) {
        try (AdminClient admin = AdminClient.connect(resources, HubsOnPulsar.client(port))) {
            return admin.describeStream(stream).getShards(0);
        }
    }

    private HubConfig config(String name, PulsarStandalone broker, Map<String, String> extra) {
        Map<String, String> flags = HubsOnPulsar.flags(
                dir.resolve(name), 0, broker.serviceUrl(), broker.adminUrl().toString());
        flags.put("pulsar.namespace", NAMESPACE);
        flags.put("hub-id", name);
        flags.putAll(extra);
        return HubConfig.load(Optional.empty(), Map.of(), flags);
    }
}
