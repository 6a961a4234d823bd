package io.tributary.hub.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.KeyMode;
import io.tributary.hub.stream.Retention;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.testsupport.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator on a group store several hubs share, with claims and commits the test answers by hand: a group
 * another hub coordinates is answered with its endpoint (heartbeats and checkpoints); a group claimed from stored rows
 * grants tokens above them and refuses the stored (stale) ones; a group the store loses is dropped at once; lease
 * checks of groups run elsewhere read the store.
 */
class GroupCoordinatorSharedTest {
    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final HandStore store = new HandStore();
    private final BlockingQueue<Frame> sent = new LinkedBlockingQueue<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = new MutableClock(System.currentTimeMillis());
    private GroupCoordinator groups;
    private Session session;
    private String shard0;

    /** A shared store whose claims and commits complete when the test says so. */
    private static final class HandStore implements GroupStore {
        final BlockingQueue<CompletableFuture<Claim>> claims = new LinkedBlockingQueue<>();
        final BlockingQueue<CompletableFuture<Void>> commits = new LinkedBlockingQueue<>();
        final Map<String, CheckpointStore.Row> stored = new ConcurrentHashMap<>();
        volatile BiConsumer<GroupKey, String> lost;
        volatile boolean coordinating = true;
        final List<GroupKey> released = new CopyOnWriteArrayList<>();

        @Override
        public boolean coordinates(GroupKey group) {
            return coordinating;
        }

        @Override
        public boolean shared() {
            return true;
        }

        @Override
        public CompletableFuture<Claim> claim(GroupKey group) {
            CompletableFuture<Claim> f = new CompletableFuture<>();
            claims.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Void> commit(GroupKey group, List<CheckpointStore.Row> rows) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            commits.add(f);
            return f.thenRun(() -> rows.forEach(r -> stored.put(r.shardId(), r)));
        }

        @Override
        public CompletableFuture<Void> sync(GroupKey group) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void release(GroupKey group) {
            released.add(group);
        }

        @Override
        public void onLost(BiConsumer<GroupKey, String> listener) {
            this.lost = listener;
        }

        @Override
        public CompletableFuture<Map<String, CheckpointStore.Row>> read(GroupKey group) {
            return CompletableFuture.completedFuture(Map.copyOf(stored));
        }

        @Override
        public List<String> groupsOf(String stream) {
            return List.of();
        }

        @Override
        public List<String> problems() {
            return List.of();
        }

        @Override
        public void close() {}

        CompletableFuture<Claim> nextClaim() throws InterruptedException {
            CompletableFuture<Claim> f = claims.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a claim").isNotNull();
            return f;
        }

        CompletableFuture<Void> nextCommit() throws InterruptedException {
            CompletableFuture<Void> f = commits.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a commit").isNotNull();
            return f;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        StreamRegistry streams = StreamRegistry.open(dir, Clock.systemUTC());
        shard0 = streams.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 2)
                .shards()
                .get(0)
                .id();
        ShardStore noStore = CoordinatorFrames.noShardStore();
        GroupLag lag = new GroupLag(streams, noStore, clock, registry, r -> {}, scheduler);
        // Lease expiry ticks every 50 ms, but members expire only when the test moves the clock.
        groups = new GroupCoordinator(streams, store, lag, clock, registry, Duration.ofMillis(200), scheduler);
        session = CoordinatorFrames.session(sent);
    }

    @AfterEach
    void tearDown() {
        groups.close();
        scheduler.shutdownNow();
    }

    private void heartbeat() {
        groups.onFrame(session, CoordinatorFrames.heartbeat());
    }

    private void checkpoint(long token, long sequence) {
        groups.onFrame(session, CoordinatorFrames.checkpoint(shard0, token, sequence));
    }

    private Frame reply() throws InterruptedException {
        return CoordinatorFrames.reply(sent);
    }

    private double redirects() {
        return registry.get("tributary.hub.group.redirects").counter().count();
    }

    @Test
    void groupCoordinatedElsewhere_heartbeatAndCheckpointNameTheCoordinator_oneClaimForBoth() throws Exception {
        heartbeat();
        checkpoint(1, 5);
        store.nextClaim().complete(new GroupStore.Elsewhere("10.0.0.7:7400", "10.0.0.7:7400 (run 1-a)"));

        LeaseAssignment a = reply().getLeaseAssignment();
        assertThat(a.getLeasesList()).isEmpty();
        assertThat(a.getCoordinatorEndpoint()).isEqualTo("10.0.0.7:7400");
        CheckpointAck ack = reply().getCheckpointAck();
        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getCoordinatorEndpoint()).isEqualTo("10.0.0.7:7400");
        assertThat(store.claims).as("both waited for one claim").isEmpty();
        assertThat(redirects()).isEqualTo(2);
        assertThat(store.commits).isEmpty();
    }

    @Test
    void claimFromStoredRows_grantsAboveThem_storedTokenIsStale_lostGroupDroppedAndSentOn() throws Exception {
        GroupShard s0 = new GroupShard("s", "g", shard0);
        store.stored.put(shard0, new CheckpointStore.Row(s0, 41, 7, false));
        heartbeat();
        store.nextClaim().complete(new GroupStore.Coordinating(Map.copyOf(store.stored)));
        store.nextCommit().complete(null);
        LeaseAssignment a = reply().getLeaseAssignment();
        Lease lease0 = a.getLeasesList().stream()
                .filter(l -> l.getShardId().equals(shard0))
                .findFirst()
                .orElseThrow();
        assertThat(lease0.getToken()).as("above the stored token").isEqualTo(8);
        assertThat(lease0.getCheckpoint()).isEqualTo(41);
        assertThat(groups.holds("s", "g", shard0, 8).get(5, TimeUnit.SECONDS)).isTrue();

        // The member that held token 7 under the former coordinator is refused.
        checkpoint(7, 50);
        CheckpointAck stale = reply().getCheckpointAck();
        assertThat(stale.getAccepted()).isFalse();
        assertThat(stale.getReason()).contains("stale lease");

        // The store loses the group: dropped at once, its lease no longer honoured here; the next heartbeat claims
        // again and is sent to the hub that runs it now.
        store.lost.accept(new GroupKey("s", "g"), "fenced (test)");
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> registry.get("tributary.hub.group.coordination.lost")
                                .counter()
                                .count()
                        == 1);
        store.stored.put(shard0, new CheckpointStore.Row(s0, 41, 9, false)); // the new coordinator granted 9
        assertThat(groups.holds("s", "g", shard0, 8).get(5, TimeUnit.SECONDS))
                .as("read from the store now: 9 is current")
                .isFalse();
        assertThat(groups.holds("s", "g", shard0, 9).get(5, TimeUnit.SECONDS)).isTrue();
        heartbeat();
        store.nextClaim().complete(new GroupStore.Elsewhere("10.0.0.8:7400", "10.0.0.8:7400 (run 2-b)"));
        assertThat(reply().getLeaseAssignment().getCoordinatorEndpoint()).isEqualTo("10.0.0.8:7400");
        assertThat(registry.get("tributary.hub.groups.coordinated").gauge().value())
                .isZero();
    }

    /** A claim lost again before the coordinator set the group up (its onLost came first) leaves no group behind. */
    @Test
    void claimLostBeforeItWasSetUp_noZombieGroup_theNextHeartbeatClaimsAgain() throws Exception {
        heartbeat();
        CompletableFuture<GroupStore.Claim> claim = store.nextClaim();
        store.coordinating = false;
        store.lost.accept(new GroupKey("s", "g"), "fenced while claiming (test)");
        claim.complete(new GroupStore.Coordinating(Map.of()));
        LeaseAssignment a = reply().getLeaseAssignment();
        assertThat(a.getLeasesList()).as("no leases from a group not held").isEmpty();
        assertThat(store.commits).as("no grants written").isEmpty();
        assertThat(registry.get("tributary.hub.groups.coordinated").gauge().value())
                .isZero();

        store.coordinating = true;
        heartbeat();
        store.nextClaim().complete(new GroupStore.Coordinating(Map.of()));
        store.nextCommit().complete(null);
        assertThat(reply().getLeaseAssignment().getLeasesList()).isNotEmpty();
    }

    @Test
    void unavailableClaim_answersNoLeasesAndARetriableRefusal() throws Exception {
        heartbeat();
        store.nextClaim().complete(new GroupStore.Unavailable("broker down (test)"));
        LeaseAssignment a = reply().getLeaseAssignment();
        assertThat(a.getLeasesList()).isEmpty();
        assertThat(a.getCoordinatorEndpoint()).isEmpty();
        // not an empty assignment (that would stop every worker): the member keeps its leases until their timeout
        assertThat(a.getUnavailableReason()).contains("broker down");
        checkpoint(1, 5);
        store.nextClaim().complete(new GroupStore.Unavailable("broker down (test)"));
        CheckpointAck ack = reply().getCheckpointAck();
        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getReason()).contains("broker down");
        assertThat(ack.getUnavailable()).isTrue(); // the member sends it again instead of giving the shard up
    }

    @Test
    void aGroupWithNoMemberForTheIdleTime_isLetGo_andClaimedAgainByItsNextMember() throws Exception {
        GroupKey key = new GroupKey("s", "g");
        heartbeat();
        store.nextClaim().complete(new GroupStore.Coordinating(Map.of()));
        store.nextCommit().complete(null);
        long token = reply().getLeaseAssignment().getLeases(0).getToken();
        groups.onClosed(session); // the member leaves

        clock.advance(GroupClaims.IDLE.minusSeconds(1));
        await("kept until idle long enough")
                .during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(5))
                .until(() -> store.released.isEmpty());
        clock.advance(Duration.ofSeconds(2));
        await("let go").atMost(Duration.ofSeconds(5)).until(() -> store.released.equals(List.of(key)));
        assertThat(registry.get("tributary.hub.groups.coordinated").gauge().value())
                .isZero();

        // The next member claims it again (here, as the store says), from the stored rows: tokens above the old one.
        heartbeat();
        store.nextClaim().complete(new GroupStore.Coordinating(Map.copyOf(store.stored)));
        store.nextCommit().complete(null);
        assertThat(reply().getLeaseAssignment().getLeases(0).getToken()).isGreaterThan(token);
        assertThat(registry.get("tributary.hub.groups.coordinated").gauge().value())
                .isEqualTo(1);
    }
}
