package io.tributary.hub.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.MergeShards;
import io.tributary.protocol.v1.PartitionKeyMode;
import io.tributary.protocol.v1.SplitShard;
import io.tributary.testsupport.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamRegistryTest {

    @TempDir
    Path dataDir;

    private final MutableClock clock = new MutableClock(1_700_000_000_123L);

    private StreamRegistry open() {
        return StreamRegistry.open(dataDir, clock);
    }

    private static StreamDefinition create(StreamRegistry registry, String name, int shards) {
        return registry.create(name, KeyMode.GROUP, new Retention(Duration.ofDays(7), 0), shards);
    }

    @Test
    void create_newName_describedAndListedByName() {
        StreamRegistry registry = open();

        StreamDefinition b = create(registry, "b", 4);
        create(registry, "a", 1);

        assertThat(registry.describe("b")).isEqualTo(b);
        assertThat(registry.list()).extracting(StreamDefinition::name).containsExactly("a", "b");
        assertThat(b.createdAt()).isEqualTo(clock.instant());
        assertThat(Files.exists(dataDir.resolve("streams/b.stream"))).isTrue();
    }

    @Test
    void create_existingName_alreadyExists() {
        StreamRegistry registry = open();
        create(registry, "s", 1);

        assertThatThrownBy(() -> create(registry, "s", 2))
                .isInstanceOfSatisfying(
                        StreamException.class,
                        e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.ALREADY_EXISTS));
    }

    @Test
    void describe_unknown_notFound() {
        assertThatThrownBy(() -> open().describe("nope"))
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.NOT_FOUND));
        assertThat(open().find("nope")).isEmpty();
    }

    @Test
    void reopen_afterCreateSplitMerge_identicalStreams() {
        StreamRegistry registry = open();
        create(registry, "s", 3);
        create(registry, "other", 1);
        clock.advance(Duration.ofMinutes(5));
        registry.split("s", "shard-000001", OptionalLong.empty());
        clock.advance(Duration.ofMinutes(5));
        registry.merge("s", "shard-000003", "shard-000004");
        List<StreamDefinition> before = registry.list();

        List<StreamDefinition> after = open().list();

        assertThat(after).isEqualTo(before);
        assertThat(after.get(1).requireShard("shard-000001").closedAt()).isPresent();
        assertThat(after.get(1).requireShard("shard-000005").createdAt()).isEqualTo(clock.instant());
    }

    @Test
    void delete_existing_goneAfterReopen() {
        StreamRegistry registry = open();
        create(registry, "s", 2);

        StreamDefinition deleted = registry.delete("s");

        assertThat(deleted.name()).isEqualTo("s");
        assertThat(registry.find("s")).isEmpty();
        assertThat(open().list()).isEmpty();
        assertThatThrownBy(() -> registry.delete("s")).isInstanceOf(StreamException.class);
    }

    @Test
    void open_flippedByte_corruptNamingFile() throws IOException {
        create(open(), "s", 2);
        Path file = dataDir.resolve("streams/s.stream");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(file, bytes);

        assertThatThrownBy(this::open)
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.CORRUPT))
                .hasMessageContaining("s.stream")
                .hasMessageContaining("CRC32C");
    }

    @Test
    void open_truncatedFile_corrupt() throws IOException {
        create(open(), "s", 2);
        create(open(), "t", 1);
        Path file = dataDir.resolve("streams/s.stream");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(this::open)
                .isInstanceOfSatisfying(
                        StreamException.class, e -> assertThat(e.reason()).isEqualTo(StreamException.Reason.CORRUPT))
                .hasMessageContaining("s.stream")
                .hasMessageContaining("header says");
    }

    @Test
    void open_fileRenamedToOtherStream_corrupt() throws IOException {
        create(open(), "s", 1);
        Files.move(dataDir.resolve("streams/s.stream"), dataDir.resolve("streams/x.stream"));

        assertThatThrownBy(this::open).hasMessageContaining("holds stream 's'");
    }

    @Test
    void open_leftoverTempFile_removedAndIgnored() throws IOException {
        create(open(), "s", 1);
        Path temp = dataDir.resolve("streams/s.stream.tmp");
        Files.write(temp, new byte[] {1, 2, 3});

        assertThat(open().list()).extracting(StreamDefinition::name).containsExactly("s");
        assertThat(Files.exists(temp)).isFalse();
    }

    @Test
    void adminMessages_createSplitMerge_applied() {
        StreamRegistry registry = open();

        StreamDefinition s = registry.create(CreateStream.newBuilder()
                .setStream("s")
                .setShardCount(1)
                .setKeyMode(PartitionKeyMode.PARTITION_KEY_MODE_GROUP_AND_DEVICE)
                .setRetentionMs(60_000)
                .build());
        Reshard split = registry.split(SplitShard.newBuilder()
                .setStream("s")
                .setShardId("shard-000000")
                .build());
        Reshard merge = registry.merge(MergeShards.newBuilder()
                .setStream("s")
                .setShardId("shard-000001")
                .setAdjacentShardId("shard-000002")
                .build());

        assertThat(s.keyMode()).isEqualTo(KeyMode.GROUP_AND_DEVICE);
        assertThat(s.retention().maxAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(split.children().get(1).range().start()).isEqualTo(HashRange.FULL.midpoint());
        assertThat(merge.children().get(0).range()).isEqualTo(HashRange.FULL);
        assertThat(registry.describe("s")).isEqualTo(merge.after());
    }

    @Test
    void router_afterSplit_routesOnlyToOpenChildren() {
        StreamRegistry registry = open();
        create(registry, "s", 1);
        ShardRouter old = registry.router("s");

        registry.split("s", "shard-000000", OptionalLong.empty());

        ShardRouter current = registry.router("s");
        assertThat(old.routeKey("g").id()).isEqualTo("shard-000000");
        assertThat(current.routeKey("g").id()).isIn("shard-000001", "shard-000002");
        assertThat(current.routeHash(-1L).id()).isEqualTo("shard-000002");
    }

    @Test
    void listener_everyChange_notifiedInOrderAndFailuresContained() {
        StreamRegistry registry = open();
        List<String> events = new ArrayList<>();
        registry.addListener(new StreamRegistry.Listener() {
            @Override
            public void onCreated(StreamDefinition stream) {
                throw new IllegalStateException("store is down");
            }
        });
        registry.addListener(new StreamRegistry.Listener() {
            @Override
            public void onCreated(StreamDefinition stream) {
                events.add("created " + stream.name());
            }

            @Override
            public void onDeleted(StreamDefinition stream) {
                events.add("deleted " + stream.name());
            }

            @Override
            public void onResharded(Reshard reshard) {
                events.add("resharded " + reshard.closedParents().size() + "->"
                        + reshard.children().size());
            }
        });

        create(registry, "s", 2);
        registry.split("s", "shard-000000", OptionalLong.empty());
        registry.merge("s", "shard-000002", "shard-000003");
        registry.delete("s");

        assertThat(events).containsExactly("created s", "resharded 1->2", "resharded 2->1", "deleted s");
    }

    @Test
    void split_rejected_nothingPersisted() {
        StreamRegistry registry = open();
        StreamDefinition s = create(registry, "s", 2);

        assertThatThrownBy(() -> registry.merge("s", "shard-000000", "shard-000000"))
                .isInstanceOf(StreamException.class);

        assertThat(registry.describe("s")).isEqualTo(s);
        assertThat(open().describe("s")).isEqualTo(s);
    }

    @Test
    void router_readDuringReshards_alwaysSeesConsistentOpenShard() throws InterruptedException {
        StreamRegistry registry = open();
        create(registry, "s", 1);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong routed = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(
                () -> {
                    try {
                        for (long i = 0; !done.get(); i++) {
                            ShardRouter router = registry.router("s");
                            String key = "group-" + (i % 1000);
                            ShardDefinition shard = router.routeKey(key);
                            assertThat(shard.isOpen()).isTrue();
                            assertThat(shard.range().contains(PartitionKeys.hash(key)))
                                    .isTrue();
                            assertThat(router.stream().requireShard(shard.id())).isEqualTo(shard);
                            routed.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                },
                "router-reader");
        reader.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> routed.get() > 0);

        for (int i = 0; i < 15; i++) {
            String widest = registry.describe("s").openShards().stream()
                    .max((a, b) -> Long.compareUnsigned(
                            a.range().end() - a.range().start(),
                            b.range().end() - b.range().start()))
                    .orElseThrow()
                    .id();
            registry.split("s", widest, OptionalLong.empty());
        }
        long routedBeforeStop = routed.get();
        await().atMost(Duration.ofSeconds(10)).until(() -> routed.get() > routedBeforeStop);
        done.set(true);
        reader.join(10_000);

        assertThat(reader.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
        assertThat(registry.describe("s").openShards()).hasSize(16);
    }
}
