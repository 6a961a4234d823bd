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
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator's durability contract, with commits the test completes by hand: a CheckpointAck and a new lease
 * token go out only after the commit holding them completed; a failed commit refuses the checkpoint (and does not keep
 * it) or withdraws the grant; a stale token is refused without touching the store.
 */
class GroupCoordinatorTest {
    @TempDir
    Path dir;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final HandCommits commits = new HandCommits();
    private final BlockingQueue<Frame> sent = new LinkedBlockingQueue<>();
    private GroupCoordinator groups;
    private StreamRegistry streams;
    private GroupLag lag;
    private Session session;
    private String shard0;

    /** Commits that complete when the test says so. */
    private static final class HandCommits implements Checkpoints {
        record Pending(List<CheckpointStore.Row> rows, CompletableFuture<Void> done) {}

        final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
        volatile CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

        @Override
        public Map<String, CheckpointStore.Row> rows(GroupKey group) {
            return Map.of();
        }

        @Override
        public CompletableFuture<Void> commit(List<CheckpointStore.Row> rows) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            pending.add(new Pending(rows, done));
            last = done;
            return done;
        }

        @Override
        public CompletableFuture<Void> sync() {
            return last.handle((v, e) -> null);
        }

        Pending next() throws InterruptedException {
            Pending p = pending.poll(10, TimeUnit.SECONDS);
            assertThat(p).as("a commit").isNotNull();
            return p;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        streams = StreamRegistry.open(dir, Clock.systemUTC());
        shard0 = streams.create("s", KeyMode.GROUP, new Retention(Duration.ofDays(1), 0), 2)
                .shards()
                .get(0)
                .id();
        ShardStore noStore = CoordinatorFrames.noShardStore();
        lag = new GroupLag(streams, noStore, Clock.systemUTC(), new SimpleMeterRegistry(), r -> {}, scheduler);
        groups = new GroupCoordinator(
                streams,
                new LocalGroupStore(commits),
                lag,
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                Duration.ofSeconds(30),
                scheduler);
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

    /** Joins and makes the grants durable; returns the token of shard 0. */
    private long join() throws Exception {
        heartbeat();
        commits.next().done().complete(null);
        LeaseAssignment a = reply().getLeaseAssignment();
        assertThat(a.getLeasesList()).hasSize(2);
        return a.getLeasesList().stream()
                .filter(l -> l.getShardId().equals(shard0))
                .mapToLong(Lease::getToken)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void heartbeat_newGrants_announcedAndHonouredOnlyAfterTheirCommit() throws Exception {
        heartbeat();
        HandCommits.Pending grant = commits.next();
        assertThat(grant.rows()).extracting(CheckpointStore.Row::token).containsOnly(1L);
        assertThat(sent.poll(100, TimeUnit.MILLISECONDS))
                .as("no assignment before the commit")
                .isNull();
        assertThat(groups.holds("s", "g", shard0, 1).join()).isFalse();

        grant.done().complete(null);

        LeaseAssignment a = reply().getLeaseAssignment();
        assertThat(a.getLeasesList()).extracting(Lease::getToken).containsOnly(1L);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> groups.holds("s", "g", shard0, 1).join());
    }

    /** A coordinator on a test clock with a short lease timeout (its expiry ticks every 50 ms). */
    private MutableClock shortLeases() {
        MutableClock clock = new MutableClock(1_800_000_000_000L);
        groups.close();
        groups = new GroupCoordinator(
                streams,
                new LocalGroupStore(commits),
                lag,
                clock,
                new SimpleMeterRegistry(),
                Duration.ofMillis(200),
                scheduler);
        return clock;
    }

    @Test
    void wallClockSetBackByHours_silentMemberStillExpires() throws Exception {
        MutableClock clock = shortLeases();
        long token = join();
        assertThat(groups.holds("s", "g", shard0, token).join()).isTrue();

        clock.jump(Duration.ofHours(-3));
        clock.advance(Duration.ofSeconds(1)); // the member is silent for 1 s, five lease timeouts

        // Measured on the wall clock the member was last heard 3 h in the future and never expired.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> !groups.holds("s", "g", shard0, token).join());
    }

    @Test
    void wallClockSetForwardByHours_liveMemberKeepsItsLeases() throws Exception {
        MutableClock clock = shortLeases();
        long token = join();

        clock.jump(Duration.ofHours(3)); // no time passes: the member is not silent

        // Measured on the wall clock every member expired at the next tick and its leases moved.
        await().during(Duration.ofMillis(400))
                .atMost(Duration.ofSeconds(5))
                .until(() -> groups.holds("s", "g", shard0, token).join());
    }

    @Test
    void heartbeat_grantCommitFails_noLeaseAnnounced() throws Exception {
        heartbeat();
        commits.next().done().completeExceptionally(new IOException("disk full"));

        assertThat(reply().getLeaseAssignment().getLeasesList()).isEmpty();
        assertThat(groups.holds("s", "g", shard0, 1).join()).isFalse();
    }

    @Test
    void checkpoint_acknowledgedOnlyAfterItsCommit() throws Exception {
        long token = join();

        checkpoint(token, 41);
        HandCommits.Pending p = commits.next();
        assertThat(p.rows())
                .singleElement()
                .extracting(CheckpointStore.Row::checkpoint)
                .isEqualTo(41L);
        assertThat(sent.poll(100, TimeUnit.MILLISECONDS))
                .as("no ack before the commit")
                .isNull();

        p.done().complete(null);

        CheckpointAck ack = reply().getCheckpointAck();
        assertThat(ack.getAccepted()).isTrue();
    }

    @Test
    void checkpoint_commitFails_refusedAndNotKept() throws Exception {
        long token = join();

        checkpoint(token, 41);
        commits.next().done().completeExceptionally(new IOException("disk full"));

        CheckpointAck ack = reply().getCheckpointAck();
        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getReason()).contains("could not be written");
        heartbeat(); // nothing new to grant: answered without a commit
        assertThat(reply().getLeaseAssignment().getLeasesList())
                .filteredOn(l -> l.getShardId().equals(shard0))
                .singleElement()
                .extracting(Lease::getCheckpoint)
                .isEqualTo(-1L);
    }

    @Test
    void checkpoint_staleToken_refusedWithoutACommit() throws Exception {
        long token = join();

        checkpoint(token + 1, 41);

        CheckpointAck ack = reply().getCheckpointAck();
        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getReason()).contains("stale lease");
        assertThat(commits.pending).isEmpty();
    }
}
