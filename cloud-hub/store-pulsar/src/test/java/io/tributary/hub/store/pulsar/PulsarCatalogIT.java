package io.tributary.hub.store.pulsar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.Hub;
import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.Producer;
import io.tributary.hub.client.ProducerOptions;
import io.tributary.hub.client.PutResult;
import io.tributary.hub.client.ReadPosition;
import io.tributary.hub.client.ShardReader;
import io.tributary.hub.client.ShardReaderOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.pulsar.meta.PulsarStreamCatalog;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.ShardDescription;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs with {@code store=pulsar} share one stream catalog (a compacted topic): what one changes the other
 * publishes and acts on (opens the new shards) within a bound; the same stream created on both at once gives one
 * success and one ALREADY_EXISTS, a split and a merge of the same shard one success and one SHARD_CLOSED; a third hub
 * on an empty data dir reads the compacted catalog.
 */
class PulsarCatalogIT {
    private static final Duration SEEN = Duration.ofSeconds(10);

    @RegisterExtension
    static final PulsarBroker PULSAR = new PulsarBroker();

    @TempDir
    Path dir;

    private final ClientResources resources = new ClientResources(1);
    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final List<Hub> hubs = new ArrayList<>();
    private String namespace;
    private Hub a;
    private Hub b;

    @BeforeEach
    void twoHubs() throws Exception {
        namespace = "catalog-it-" + System.nanoTime(); // a catalog of this test's own
        a = hub("a");
        b = hub("b");
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
        hubs.forEach(Hub::close);
        resources.close();
    }

    private Hub hub(String name) throws Exception {
        Hub hub = PulsarHubs.start(Files.createDirectory(dir.resolve(name)), PULSAR.broker(), namespace);
        hubs.add(hub);
        return hub;
    }

    private AdminClient admin(Hub hub) {
        return AdminClient.connect(resources, PulsarHubs.client(hub.port()));
    }

    private static List<String> shardIds(StreamDefinition stream) {
        return stream.shards().stream().map(ShardDefinition::id).toList();
    }

    /** An admin call, and what {@link #atOnce} reports when it succeeds. */
    private record Call(String ok, Runnable run) {}

    /** Runs the calls at the same moment; each gives its {@code ok} on success, else the hub's error message. */
    private List<String> atOnce(Call... calls) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> outcomes = new ArrayList<>();
        for (Call call : calls) {
            outcomes.add(threads.submit(() -> {
                go.await();
                try {
                    call.run().run();
                    return call.ok();
                } catch (HubClientException e) {
                    return e.getMessage();
                }
            }));
        }
        go.countDown();
        List<String> got = new ArrayList<>();
        for (Future<String> f : outcomes) {
            got.add(f.get(60, TimeUnit.SECONDS));
        }
        return got;
    }

    @Test
    void createSplitMergeDelete_onEitherHub_publishedOnTheOtherWhichOpensTheNewShards() {
        String stream = "shared";
        try (AdminClient onA = admin(a);
                AdminClient onB = admin(b)) {
            onA.createStream(stream, 2, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            await("b describes the stream a created")
                    .atMost(SEEN)
                    .untilAsserted(() -> assertThat(onB.describeStream(stream).getShardsCount())
                            .isEqualTo(2));
            assertThat(b.streams().describe(stream)).isEqualTo(a.streams().describe(stream));
            assertThat(b.store().shards()).as("b opened the shards").contains(new ShardKey(stream, "shard-000000"));
            assertThat(b.registry()
                            .get("tributary.hub.catalog.changes")
                            .tag("origin", "other_hub")
                            .counter()
                            .count())
                    .isEqualTo(1);

            List<String> afterSplit = onB.splitShard(stream, "shard-000001", 0).getShardsList().stream()
                    .map(ShardDescription::getShardId)
                    .toList();
            assertThat(afterSplit).containsExactly("shard-000000", "shard-000001", "shard-000002", "shard-000003");
            await("a sees b's split")
                    .atMost(SEEN)
                    .untilAsserted(() ->
                            assertThat(shardIds(a.streams().describe(stream))).isEqualTo(afterSplit));
            assertThat(a.store().shards()).as("a opened the children").contains(new ShardKey(stream, "shard-000003"));

            onA.mergeShards(stream, "shard-000002", "shard-000003");
            await("b sees a's merge")
                    .atMost(SEEN)
                    .untilAsserted(() -> assertThat(b.streams().describe(stream))
                            .isEqualTo(a.streams().describe(stream)));
            assertThat(b.streams().describe(stream).openShards())
                    .extracting(ShardDefinition::id)
                    .containsExactly("shard-000000", "shard-000004");

            onB.deleteStream(stream);
            await("a sees b's delete")
                    .atMost(SEEN)
                    .until(() -> a.streams().find(stream).isEmpty());
            for (Hub hub : List.of(a, b)) {
                var took = hub.registry().get("tributary.hub.catalog.change").timer();
                System.out.printf(
                        "PulsarCatalogIT: %s: %d catalog changes, mean %.1f ms, max %.1f ms (lock, read, write)%n",
                        hub.config().hubId(),
                        took.count(),
                        took.mean(TimeUnit.MILLISECONDS),
                        took.max(TimeUnit.MILLISECONDS));
            }
        }
    }

    @Test
    void streamDeletedAndCreatedAgainOnOneHub_theOtherLetsGoWithoutDeletingTheNewData() throws Exception {
        String stream = "again";
        try (AdminClient onA = admin(a)) {
            onA.createStream(stream, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            await().atMost(SEEN).until(() -> b.streams().find(stream).isPresent());
            onA.deleteStream(stream);
            onA.createStream(stream, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
        }
        // Either hub may have opened the new topic first and holds its writer (which hub writes a shard is not decided
        // yet); the other's copy is OFFLINE. Produce through the writer.
        ShardKey shard = new ShardKey(stream, "shard-000000");
        AtomicReference<Hub> writerRef = new AtomicReference<>();
        await("a writer of the new shard").atMost(SEEN).until(() -> {
            for (Hub hub : List.of(a, b)) {
                if (hub.streams().find(stream).isPresent()
                        && hub.store().shards().contains(shard)
                        && hub.store().info(shard).status() == ShardStatus.ONLINE) {
                    writerRef.set(hub);
                    return true;
                }
            }
            return false;
        });
        Hub writer = writerRef.get();
        int count = 20;
        try (Producer p = Producer.create(
                resources,
                PulsarHubs.client(writer.port()),
                ProducerOptions.defaults(stream).withBatching(5, Duration.ofMillis(1), 4))) {
            List<CompletableFuture<PutResult>> puts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                puts.add(p.put("k", ("r" + i).getBytes(StandardCharsets.UTF_8)));
            }
            for (CompletableFuture<PutResult> put : puts) {
                put.get(30, TimeUnit.SECONDS);
            }
        }
        await("b has the new stream")
                .atMost(SEEN)
                .untilAsserted(() -> assertThat(b.streams().find(stream))
                        .isEqualTo(a.streams().find(stream)));
        // Whichever hub learnt of the delete late let go of its shard and did not delete the topic, which holds the new
        // stream's records.
        assertThat(writer.store().info(shard).nextSequence()).isEqualTo(count);
        try (ShardReader reader = ShardReader.open(
                resources,
                PulsarHubs.client(writer.port()),
                ShardReaderOptions.of(stream, "shard-000000", ReadPosition.trimHorizon())
                        .withCredit(100, 0))) {
            List<ConsumerRecord> read = new ArrayList<>();
            await().atMost(SEEN).until(() -> {
                read.addAll(reader.poll(Duration.ofMillis(100)));
                return read.size() >= count;
            });
            assertThat(read).hasSize(count);
        }
    }

    @Test
    void sameStreamCreatedOnBothHubsAtOnce_oneSucceedsTheOtherGetsAlreadyExists() throws Exception {
        try (AdminClient onA = admin(a);
                AdminClient onB = admin(b)) {
            for (int round = 0; round < 5; round++) {
                String stream = "race-" + round;
                List<String> got = atOnce(
                        new Call(
                                "created",
                                () -> onA.createStream(stream, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0)),
                        new Call(
                                "created",
                                () -> onB.createStream(stream, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0)));
                assertThat(got).as("round %d", round).containsOnlyOnce("created");
                assertThat(got).anySatisfy(m -> assertThat(m).contains("ALREADY_EXISTS"));
                await().atMost(SEEN)
                        .untilAsserted(() -> assertThat(a.streams().find(stream))
                                .isEqualTo(b.streams().find(stream)));
            }
        }
    }

    @Test
    void splitOnOneHubAndMergeOnTheOtherAtOnce_onlyOneAppliesToTheOldVersion() throws Exception {
        try (AdminClient onA = admin(a);
                AdminClient onB = admin(b)) {
            for (int round = 0; round < 3; round++) {
                String stream = "reshard-race-" + round;
                onA.createStream(stream, 2, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
                await().atMost(SEEN).until(() -> b.streams().find(stream).isPresent());
                List<String> got = atOnce(
                        new Call("split", () -> onA.splitShard(stream, "shard-000000", 0)),
                        new Call("merged", () -> onB.mergeShards(stream, "shard-000000", "shard-000001")));
                // The loser decided on the winner's version, where shard-000000 is closed.
                assertThat(got)
                        .as("round %d", round)
                        .satisfiesExactlyInAnyOrder(
                                won -> assertThat(won).isIn("split", "merged"),
                                lost -> assertThat(lost).contains("SHARD_CLOSED"));
                await().atMost(SEEN)
                        .untilAsserted(() -> assertThat(a.streams().describe(stream))
                                .isEqualTo(b.streams().describe(stream)));
                assertThat(a.streams().describe(stream).shards()).hasSize(got.contains("split") ? 4 : 3);
            }
        }
    }

    @Test
    void compactedCatalog_readByAHubOnAnEmptyDataDir_holdsExactlyTheLiveStreams() throws Exception {
        try (AdminClient onA = admin(a)) {
            for (int i = 0; i < 6; i++) {
                onA.createStream("c" + i, 1, PartitionKeyMode.PARTITION_KEY_MODE_GROUP, 0, 0);
            }
            onA.splitShard("c0", "shard-000000", 0);
            onA.deleteStream("c1");
            onA.deleteStream("c2");
        }
        PulsarAdminRest rest = new PulsarAdminRest(PULSAR.broker().adminUrl(), Duration.ofSeconds(20));
        rest.compact("public", namespace, PulsarStreamCatalog.TOPIC);
        await("compaction")
                .atMost(Duration.ofSeconds(60))
                .until(() -> rest.compactionStatus("public", namespace, PulsarStreamCatalog.TOPIC)
                        .contains("SUCCESS"));

        Hub c = hub("c");
        assertThat(c.streams().list()).extracting(StreamDefinition::name).containsExactly("c0", "c3", "c4", "c5");
        assertThat(c.streams().list()).isEqualTo(a.streams().list());
        assertThat(c.streams().describe("c0").shards()).hasSize(3);
    }
}
