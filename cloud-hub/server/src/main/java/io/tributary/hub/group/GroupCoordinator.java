package io.tributary.hub.group;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.group.GroupClaims.Here;
import io.tributary.hub.group.GroupClaims.Nowhere;
import io.tributary.hub.group.GroupClaims.There;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.hub.subscribe.LeaseCheck;
import io.tributary.protocol.time.Ticker;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group coordinator: membership, shard leases and their fencing tokens; the {@link FrameService} of
 * {@code LeaseHeartbeat} → {@code LeaseAssignment} and fenced {@code Checkpoint} → {@code CheckpointAck}.
 *
 * <p>Checkpoint contract: a checkpoint is accepted only from the member that holds the shard's lease with the
 * current token, and acknowledged only after the {@link GroupStore} made the row holding it durable (the {@link
 * CheckpointStore} group commit fsync'd, or Pulsar's acknowledgement). A token grant is durable the same way before
 * the member hears of it ({@code LeaseAssignment}) and before {@link #holds} honours it; a revocation takes effect at
 * once. A session that closes leaves its groups at once; a member that stops heartbeating leaves after the lease
 * timeout. Lag is {@link GroupLag}'s.
 *
 * <p>Coordination ({@link GroupStore#claim}): a group is run here once the store says this hub coordinates it — on
 * the local store always; on a store several hubs share, one hub per group, fenced by the store. A heartbeat or
 * checkpoint for a group another hub coordinates is answered with that hub's endpoint ({@code
 * coordinator_endpoint}: no leases, or a refused checkpoint), and the member moves there. A group the store loses
 * ({@link GroupStore#onLost}: fenced, its connection gone) is dropped at once: its tokens are no longer honoured and
 * its members' next frames claim it again or are sent on. A claim loads every row any coordinator made durable, so
 * the tokens granted after a takeover are above all of them and a revoked member's checkpoint stays refused. On a
 * shared store a group with no member for {@link GroupClaims#IDLE} is let go (its next member's hub claims it).
 *
 * <p>Thread rules: every group is touched only on this coordinator's single group thread, which never waits for a
 * disk (commits complete back onto it); {@link #holds} reads published values and may be called from any thread;
 * {@link #describe} blocks (call it from a worker).
 */
public final class GroupCoordinator implements FrameService, LeaseCheck, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final StreamRegistry streams;
    private final GroupStore checkpoints;
    private final GroupLag lag;
    /** Member liveness is a duration: a wall clock set back by hours must not keep a dead member's leases. */
    private final Ticker ticker;

    private final long timeoutMs;
    private final ExecutorService thread;
    private final Map<GroupKey, ConsumerGroup> groups = new HashMap<>();
    private final Map<Session, Set<MemberKey>> sessions = new HashMap<>();
    /** Durable grants of owned leases: what {@link #holds} honours. */
    private final Map<GroupShard, Long> tokens = new ConcurrentHashMap<>();
    /** The groups run here (published for {@link #holds}, which asks the store about the others). */
    private final Set<GroupKey> coordinated = ConcurrentHashMap.newKeySet();
    /** Last log line of a redirect per group (rate limit, monotonic millis). */
    private final Map<GroupKey, Long> redirectLogged = new HashMap<>();

    private final Counter redirects;
    private final GroupLeases leases;
    private final GroupClaims claims;
    private final GroupDescriber describer;

    /**
     * @param checkpoints the durable state; the caller closes it after this coordinator
     * @param worker where lag is computed
     * @param scheduler runs lease expiry and lag refresh ticks
     */
    public GroupCoordinator(
            StreamRegistry streams,
            GroupStore checkpoints,
            ShardStore store,
            Clock clock,
            MeterRegistry registry,
            Duration leaseTimeout,
            Executor worker,
            ScheduledExecutorService scheduler) {
        this(
                streams,
                checkpoints,
                new GroupLag(streams, store, clock, registry, worker, scheduler),
                clock,
                registry,
                leaseTimeout,
                scheduler);
    }

    GroupCoordinator(
            StreamRegistry streams,
            GroupStore checkpoints,
            GroupLag lag,
            Clock clock,
            MeterRegistry registry,
            Duration leaseTimeout,
            ScheduledExecutorService scheduler) {
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.redirects = Counter.builder("tributary.hub.group.redirects")
                .description("Group members' heartbeats and checkpoints this hub answered with the endpoint of the hub"
                        + " that coordinates their group (a store several hubs share)")
                .register(registry);
        Counter lost = Counter.builder("tributary.hub.group.coordination.lost")
                .description("Consumer groups this hub coordinated and dropped because the group store lost them"
                        + " (fenced by another hub, or its connection to the store gone)")
                .register(registry);
        Gauge.builder("tributary.hub.groups.coordinated", coordinated, Set::size)
                .description("Consumer groups this hub coordinates now")
                .register(registry);
        this.leases = new GroupLeases(streams, checkpoints, lag, groups, tokens, this::run);
        this.claims = new GroupClaims(streams, checkpoints, groups, coordinated, tokens, leases, lost, this::run);
        checkpoints.onLost((key, why) -> run(() -> claims.drop(key, why)));
        this.lag = lag;
        this.ticker = Ticker.of(clock);
        this.timeoutMs = Math.max(100, leaseTimeout.toMillis());
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hub-groups");
            t.setDaemon(true);
            return t;
        });
        streams.addListener(new DeletedStreamGroups(checkpoints, claims::home, claims::forget, thread, registry));
        this.describer = new GroupDescriber(streams, checkpoints, lag, groups, thread);
        long tick = Math.max(50, timeoutMs / 4);
        scheduler.scheduleWithFixedDelay(() -> run(this::expireAll), tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * Sets this hub's region, so that groups of streams homed in another region are not served here, and drops a
     * stream's cached groups whenever its home changes (a demoted hub must not rebalance or commit them; a promoted one
     * loads the replicated rows).
     */
    public void region(String value) {
        claims.region(value);
        streams.addListener(new StreamRegistry.Listener() {
            @Override
            public void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {
                if (before.isPresent() && !before.get().replication().equals(after.replication())) {
                    run(() -> claims.forget(after.name()));
                }
            }
        });
    }

    @Override
    public void onFrame(Session session, Frame frame) {
        switch (frame.getBodyCase()) {
            case LEASE_HEARTBEAT -> run(() -> heartbeat(session, frame.getLeaseHeartbeat()));
            case CHECKPOINT -> run(() -> checkpoint(session, frame.getCheckpoint()));
            default -> {}
        }
    }

    @Override
    public void onClosed(Session session) {
        run(() -> {
            Set<MemberKey> joined = sessions.remove(session);
            if (joined == null) {
                return;
            }
            for (MemberKey m : joined) {
                ConsumerGroup g = groups.get(m.group());
                if (g != null && g.leave(m.member())) {
                    log.info("member {} of group {} left (connection closed)", m.member(), m.group());
                    leases.rebalance(m.group(), g, () -> {});
                }
            }
        });
    }

    /**
     * A group run here: whether {@code token} is the shard's durable grant of a current lease. A group another hub
     * coordinates (a shared store): whether {@code token} is the newest token stored for the shard, read from the
     * store now — so a token a takeover or rebalance replaced is refused, while a lease revoked and not yet granted
     * again is still honoured until then (its checkpoints are refused all the same: the coordinator decides those).
     */
    @Override
    public CompletableFuture<Boolean> holds(String stream, String group, String shardId, long token) {
        GroupKey key = new GroupKey(stream, group);
        if (coordinated.contains(key) || !checkpoints.shared()) {
            Long t = tokens.get(key.shard(shardId));
            return CompletableFuture.completedFuture(t != null && t == token);
        }
        return checkpoints.read(key).thenApply(rows -> {
            CheckpointStore.Row r = rows.get(shardId);
            return r != null && r.token() == token;
        });
    }

    private void heartbeat(Session session, LeaseHeartbeat hb) {
        String member = hb.getMemberId();
        LeaseAssignment.Builder out =
                LeaseAssignment.newBuilder().setRequestId(hb.getRequestId()).setLeaseTimeoutMs((int) timeoutMs);
        GroupKey key = new GroupKey(hb.getStream(), hb.getConsumerGroup());
        if (member.isEmpty()) {
            session.send(Frame.newBuilder().setLeaseAssignment(out).build());
            return;
        }
        claims.find(key, found -> {
            if (found instanceof There there) {
                redirected(key, member, there);
                out.setCoordinatorEndpoint(there.endpoint());
                session.send(Frame.newBuilder().setLeaseAssignment(out).build());
                return;
            }
            if (!(found instanceof Here here)) {
                if (found instanceof Nowhere nowhere && nowhere.reason() != null) {
                    // transient: not an empty assignment, which would stop every worker of the member
                    out.setUnavailableReason(nowhere.reason());
                }
                session.send(Frame.newBuilder().setLeaseAssignment(out).build());
                return;
            }
            ConsumerGroup g = here.group();
            if (g.heartbeat(member, ticker.monotonicMillis())) {
                log.info("member {} joined group {}", member, key);
            }
            sessions.computeIfAbsent(session, s -> new HashSet<>()).add(new MemberKey(key, member));
            leases.rebalance(key, g, () -> {
                if (groups.get(key) != g) {
                    heartbeat(session, hb); // lost meanwhile: claimed again here, or the member is sent on
                    return;
                }
                Optional<StreamDefinition> def = streams.find(key.stream());
                for (ShardLease l : g.leasesOf(member)) {
                    if (!l.granted()) {
                        continue; // not durable (its commit failed): never announced
                    }
                    out.addLeases(Lease.newBuilder()
                            .setShardId(l.shardId)
                            .setOwner(l.owner)
                            .setToken(l.token)
                            .setCheckpoint(l.checkpoint)
                            .addAllParentShards(def.flatMap(d -> d.shard(l.shardId))
                                    .map(ShardDefinition::parentIds)
                                    .orElse(List.of())));
                }
                session.send(Frame.newBuilder().setLeaseAssignment(out).build());
            });
        });
    }

    /** Counts a member sent on to the group's coordinator and logs it (once a lease timeout per group at most). */
    private void redirected(GroupKey key, String member, There there) {
        redirects.increment();
        long now = ticker.monotonicMillis();
        Long last = redirectLogged.get(key);
        if (last == null || now - last >= timeoutMs) {
            redirectLogged.put(key, now);
            log.info(
                    "group {} is coordinated by the hub at {} ({}): member {} sent there",
                    key,
                    there.endpoint(),
                    there.coordinator(),
                    member);
        }
    }

    private void checkpoint(Session session, Checkpoint c) {
        CheckpointAck.Builder ack = CheckpointAck.newBuilder().setRequestId(c.getRequestId());
        GroupKey key = new GroupKey(c.getStream(), c.getConsumerGroup());
        claims.find(key, found -> {
            if (found instanceof There there) {
                redirected(key, c.getMemberId(), there);
                ack.setAccepted(false)
                        .setCoordinatorEndpoint(there.endpoint())
                        .setReason(
                                "group " + c.getConsumerGroup() + " is coordinated by the hub at " + there.endpoint());
                session.send(Frame.newBuilder().setCheckpointAck(ack).build());
                return;
            }
            if (found instanceof Nowhere nowhere && nowhere.reason() != null) {
                ack.setAccepted(false).setUnavailable(true).setReason("checkpoint not taken now: " + nowhere.reason());
                session.send(Frame.newBuilder().setCheckpointAck(ack).build());
                return;
            }
            checkpoint(session, c, key, found instanceof Here here ? here.group() : null, ack);
        });
    }

    private void checkpoint(Session session, Checkpoint c, GroupKey key, ConsumerGroup g, CheckpointAck.Builder ack) {
        ShardLease l = g == null ? null : g.leases().get(c.getShardId());
        if (l == null) {
            ack.setAccepted(false).setReason("no lease of " + c.getShardId() + " in group " + c.getConsumerGroup());
        } else if (!l.owner.equals(c.getMemberId()) || l.token != c.getLeaseToken()) {
            ack.setAccepted(false)
                    .setReason("stale lease: " + c.getShardId() + " is held by '" + l.owner + "' with token " + l.token
                            + ", not '" + c.getMemberId() + "' with token " + c.getLeaseToken());
        } else {
            long before = l.checkpoint;
            boolean endedBefore = l.ended;
            long sequence = c.getSequence();
            l.checkpoint = sequence;
            l.ended = l.ended || c.getShardEnd();
            CheckpointStore.Row row = GroupLeases.row(key, l);
            checkpoints
                    .commit(key, List.of(row))
                    .whenComplete((v, e) -> run(() -> {
                        boolean current = groups.get(key) == g;
                        if (e == null) {
                            // Durable while this hub held the group (a lost group's commits fail): acknowledged.
                            l.durableToken = Math.max(l.durableToken, row.token());
                            ack.setAccepted(true);
                            session.send(
                                    Frame.newBuilder().setCheckpointAck(ack).build());
                            if (!current) {
                                return;
                            }
                            lag.track(row.key(), l.checkpoint, l.ended);
                            if (row.ended() && !endedBefore) {
                                log.info("group {} finished {}", key, c.getShardId());
                                leases.rebalance(key, g, () -> {});
                            }
                        } else {
                            if (l.checkpoint == sequence) {
                                // Nothing later moved it: the refused checkpoint is not the group's.
                                l.checkpoint = before;
                                l.ended = endedBefore;
                            }
                            ack.setAccepted(false).setReason("checkpoint could not be written: " + e.getMessage());
                            session.send(
                                    Frame.newBuilder().setCheckpointAck(ack).build());
                        }
                    }));
            return;
        }
        session.send(Frame.newBuilder().setCheckpointAck(ack).build());
    }

    private void expireAll() {
        long now = ticker.monotonicMillis();
        for (Map.Entry<GroupKey, ConsumerGroup> e : groups.entrySet()) {
            if (e.getValue().expire(now, timeoutMs)) {
                log.info("group {}: a member missed its heartbeats, its leases move", e.getKey());
                leases.rebalance(e.getKey(), e.getValue(), () -> {});
            }
        }
        claims.releaseIdle(now);
    }

    /** Describes a group's shards with owner, checkpoint and lag. Blocks; call from a worker thread. */
    public GroupDescription describe(String stream, String group) {
        return describer.describe(stream, group);
    }

    private void run(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.error("consumer group task failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Stopping.
        }
    }

    /** Stops the group thread; commits still in flight complete without answers. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
