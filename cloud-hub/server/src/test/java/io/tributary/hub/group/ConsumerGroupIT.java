package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tributary.hub.client.AdminClient;
import io.tributary.hub.client.ConsumerRecord;
import io.tributary.hub.client.group.Checkpointer;
import io.tributary.hub.client.group.GroupConsumer;
import io.tributary.hub.client.group.GroupConsumerOptions;
import io.tributary.hub.client.group.RecordProcessor;
import io.tributary.hub.subscribe.ConsumerFixture;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsumerGroupIT {
    private static final Duration LEASE_TIMEOUT = Duration.ofMillis(1500);

    @TempDir
    Path dir;

    ConsumerFixture hub;
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        hub = new ConsumerFixture(dir, LEASE_TIMEOUT);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        hub.close();
    }

    private RawMember member(String id) throws Exception {
        RawMember m = new RawMember(hub.resources, hub.client(), "s", "g", id);
        closeables.add(m);
        return m;
    }

    private static Set<String> shards(LeaseAssignment a) {
        Set<String> s = new HashSet<>();
        a.getLeasesList().forEach(l -> s.add(l.getShardId()));
        return s;
    }

    @Test
    void members_joinAndLeave_shardsSplitEvenly() throws Exception {
        hub.createStream("s", 6);
        RawMember a = member("a");
        RawMember b = member("b");
        assertThat(a.heartbeat().getLeasesCount()).isEqualTo(6);
        b.heartbeat();
        assertThat(a.heartbeat().getLeasesCount()).isEqualTo(3);
        assertThat(b.heartbeat().getLeasesCount()).isEqualTo(3);

        RawMember c = member("c");
        c.heartbeat();
        Set<String> all = new HashSet<>();
        for (RawMember m : List.of(a, b, c)) {
            LeaseAssignment as = m.heartbeat();
            assertThat(as.getLeasesCount()).isEqualTo(2);
            all.addAll(shards(as));
        }
        assertThat(all).hasSize(6);

        c.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> a.heartbeat().getLeasesCount() == 3);
        assertThat(b.heartbeat().getLeasesCount()).isEqualTo(3);
    }

    @Test
    void silentMember_losesLeasesWithinTimeout() throws Exception {
        hub.createStream("s", 4);
        RawMember a = member("a");
        RawMember silent = member("silent");
        a.heartbeat();
        silent.heartbeat();
        assertThat(a.heartbeat().getLeasesCount()).isEqualTo(2);
        // The silent member's leases expire after LEASE_TIMEOUT; the bound is generous so a loaded machine does not
        // turn a scheduling delay into a failure (tests must not depend on timing).
        await().atMost(LEASE_TIMEOUT.multipliedBy(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> a.heartbeat().getLeasesCount() == 4);
    }

    @Test
    void checkpoint_staleToken_isRefused() throws Exception {
        RawMember a = member("a");
        Lease old = oneShardCheckpointedAt(a, 3);
        a.close();
        RawMember b = member("b");
        Lease now = await().atMost(Duration.ofSeconds(30))
                .until(() -> b.heartbeat(), x -> x.getLeasesCount() == 1)
                .getLeases(0);
        assertThat(now.getToken()).isGreaterThan(old.getToken());
        assertThat(now.getCheckpoint()).isEqualTo(3);

        RawMember stale = member("a");
        var refused = stale.checkpoint(old.getShardId(), old.getToken(), 9, false);
        assertThat(refused.getAccepted()).isFalse();
        assertThat(refused.getReason()).contains("stale");
        assertThat(b.checkpoint(now.getShardId(), now.getToken(), 5, false).getAccepted())
                .isTrue();
    }

    @Test
    void streamDeletedAndCreatedAgain_itsGroupStartsAtTheBeginning_oldTokensStale() throws Exception {
        RawMember a = member("a");
        Lease old = oneShardCheckpointedAt(a, 41);

        try (AdminClient admin = hub.admin()) {
            admin.deleteStream("s");
        }
        hub.createStream("s", 1); // numbers its records anew: the old checkpoint would skip 42 of them

        Lease fresh = await().atMost(Duration.ofSeconds(30))
                .until(() -> a.heartbeat(), x -> x.getLeasesCount() == 1)
                .getLeases(0);
        assertThat(fresh.getCheckpoint()).isEqualTo(-1); // as a new group's
        assertThat(fresh.getToken()).isGreaterThan(old.getToken());
        assertThat(a.checkpoint(old.getShardId(), old.getToken(), 50, false).getAccepted())
                .isFalse();
    }

    /** A one-shard stream "s" whose only lease {@code m} takes and checkpoints at {@code sequence}. */
    private Lease oneShardCheckpointedAt(RawMember m, long sequence) throws Exception {
        hub.createStream("s", 1);
        Lease lease = m.heartbeat().getLeases(0);
        assertThat(m.checkpoint(lease.getShardId(), lease.getToken(), sequence, false)
                        .getAccepted())
                .isTrue();
        return lease;
    }

    @Test
    void checkpoints_hubRestart_survive() throws Exception {
        hub.createStream("s", 2);
        hub.put("s", List.of("x", "y", "z"), 20);
        RawMember a = member("a");
        LeaseAssignment as = a.heartbeat();
        for (Lease l : as.getLeasesList()) {
            assertThat(a.checkpoint(l.getShardId(), l.getToken(), 7, false).getAccepted())
                    .isTrue();
        }
        a.close();
        closeables.clear();
        hub.stop();
        hub.start();
        try (AdminClient admin = hub.admin()) {
            GroupDescription d = admin.describeGroup("s", "g");
            assertThat(d.getShardsList())
                    .allSatisfy(s -> assertThat(s.getCheckpoint()).isEqualTo(7));
        }
        RawMember b = member("b");
        LeaseAssignment after = b.heartbeat();
        assertThat(after.getLeasesList())
                .allSatisfy(l -> assertThat(l.getCheckpoint()).isEqualTo(7));
        Map<String, Long> before = new ConcurrentHashMap<>();
        as.getLeasesList().forEach(l -> before.put(l.getShardId(), l.getToken()));
        after.getLeasesList().forEach(l -> assertThat(l.getToken()).isGreaterThan(before.get(l.getShardId())));
    }

    /** Collects records per partition key; checkpoints after every delivery. */
    static final class Collector implements RecordProcessor {
        final Map<String, List<Integer>> byKey;

        Collector(Map<String, List<Integer>> byKey) {
            this.byKey = byKey;
        }

        @Override
        public void initialize(String shardId, long startSequence) {}

        @Override
        public void processRecords(List<ConsumerRecord> records, Checkpointer checkpointer) {
            for (ConsumerRecord r : records) {
                String p = new String(r.record().getPayload().toByteArray(), StandardCharsets.UTF_8);
                byKey.computeIfAbsent(r.partitionKey(), k -> new CopyOnWriteArrayList<>())
                        .add(Integer.parseInt(p.substring(p.lastIndexOf('-') + 1)));
            }
            checkpointer.checkpoint();
        }

        @Override
        public void leaseLost() {}

        @Override
        public void shardEnded(Checkpointer checkpointer) {
            checkpointer.checkpoint();
        }

        @Override
        public void shutdownRequested(Checkpointer checkpointer) {}
    }

    @Test
    void groupConsumer_throughSplitAndMerge_keepsPerKeyOrder() throws Exception {
        hub.createStream("s", 1);
        List<String> keys = List.of("k1", "k2", "k3", "k4", "k5", "k6");
        hub.put("s", keys, 50);
        try (AdminClient admin = hub.admin()) {
            admin.splitShard("s", "shard-000000", 0);
            hub.put("s", keys, 50);
            admin.mergeShards("s", "shard-000001", "shard-000002");
        }
        hub.put("s", keys, 50);

        Map<String, List<Integer>> byKey = new ConcurrentHashMap<>();
        GroupConsumer c = GroupConsumer.start(
                hub.resources,
                hub.client(),
                GroupConsumerOptions.of("s", "g").withHeartbeat(Duration.ofMillis(200)),
                () -> new Collector(byKey));
        closeables.add(c);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> keys.stream()
                        .allMatch(k -> byKey.getOrDefault(k, List.of()).size() >= 150));
        for (String k : keys) {
            List<Integer> seen = byKey.get(k);
            assertThat(seen).hasSize(150);
            for (int i = 0; i < 150; i++) {
                assertThat(seen.get(i)).isEqualTo(i % 50);
            }
        }
    }

    @Test
    void groupConsumer_memberClosed_otherTakesOverFromCheckpoint() throws Exception {
        hub.createStream("s", 2);
        List<String> keys = List.of("a", "b", "c", "d");
        hub.put("s", keys, 30);
        Map<String, List<Integer>> first = new ConcurrentHashMap<>();
        GroupConsumer one = GroupConsumer.start(
                hub.resources,
                hub.client(),
                GroupConsumerOptions.of("s", "g").withHeartbeat(Duration.ofMillis(200)),
                () -> new Collector(first));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> first.values().stream().mapToInt(List::size).sum() == 120);
        Map<String, List<Integer>> second = new ConcurrentHashMap<>();
        GroupConsumer two = GroupConsumer.start(
                hub.resources,
                hub.client(),
                GroupConsumerOptions.of("s", "g").withHeartbeat(Duration.ofMillis(200)),
                () -> new Collector(second));
        closeables.add(two);
        await().atMost(Duration.ofSeconds(10)).until(() -> two.ownedShards().size() == 1);
        one.close();
        await().atMost(LEASE_TIMEOUT.multipliedBy(4))
                .until(() -> two.ownedShards().size() == 2);
        hub.put("s", keys, 30);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> second.values().stream().mapToInt(List::size).sum() >= 120);
        // Everything was checkpointed by the first member, so the second starts after it: no record twice.
        assertThat(second.values().stream().mapToInt(List::size).sum()).isEqualTo(120);
        try (AdminClient admin = hub.admin()) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> admin.describeGroup("s", "g").getShardsList().stream()
                            .allMatch(s -> s.getLagRecords() == 0));
        }
    }
}
