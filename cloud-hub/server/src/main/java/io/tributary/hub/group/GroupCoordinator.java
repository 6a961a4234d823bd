package io.tributary.hub.group;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardKey;
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
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group coordinator: membership, shard leases and their fencing tokens; the {@link FrameService} of
 * {@code LeaseHeartbeat} → {@code LeaseAssignment} and fenced {@code Checkpoint} → {@code CheckpointAck}.
 *
 * <p>Checkpoint contract: a checkpoint is accepted only from the member that holds the shard's lease with the
 * current token, and acknowledged only after the {@link CheckpointStore} group commit holding it is fsync'd. A token
 * grant is durable the same way before the member hears of it ({@code LeaseAssignment}) and before {@link #holds}
 * honours it; a revocation takes effect at once. A session that closes leaves its groups at once; a member that stops
 * heartbeating leaves after the lease timeout. Lag is {@link GroupLag}'s.
 *
 * <p>Thread rules: every group is touched only on this coordinator's single group thread, which never waits for a
 * disk (commits complete back onto it); {@link #holds} reads published values and may be called from any thread;
 * {@link #describe} blocks (call it from a worker).
 */
public final class GroupCoordinator implements FrameService, LeaseCheck, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final StreamRegistry streams;
    private final Checkpoints checkpoints;
    private final GroupLag lag;
    /** Member liveness is a duration: a wall clock set back by hours must not keep a dead member's leases. */
    private final Ticker ticker;

    private final long timeoutMs;
    /** This hub's region: groups of a stream homed elsewhere run there, not here. */
    private volatile String region = "";

    private final Set<GroupKey> warnedNotHome = ConcurrentHashMap.newKeySet();
    private final ExecutorService thread;
    private final Map<GroupKey, ConsumerGroup> groups = new HashMap<>();
    private final Map<Session, Set<MemberKey>> sessions = new HashMap<>();
    /** Durable grants of owned leases: what {@link #holds} honours. */
    private final Map<GroupShard, Long> tokens = new ConcurrentHashMap<>();

    /**
     * @param checkpoints the durable state; the caller closes it after this coordinator
     * @param worker where lag is computed
     * @param scheduler runs lease expiry and lag refresh ticks
     */
    public GroupCoordinator(
            StreamRegistry streams,
            CheckpointStore checkpoints,
            ShardStore store,
            Clock clock,
            MeterRegistry registry,
            Duration leaseTimeout,
            Executor worker,
            ScheduledExecutorService scheduler) {
        this(
                streams,
                (Checkpoints) checkpoints,
                new GroupLag(streams, store, clock, registry, worker, scheduler),
                clock,
                leaseTimeout,
                scheduler);
    }

    GroupCoordinator(
            StreamRegistry streams,
            Checkpoints checkpoints,
            GroupLag lag,
            Clock clock,
            Duration leaseTimeout,
            ScheduledExecutorService scheduler) {
        this.streams = streams;
        this.checkpoints = checkpoints;
        this.lag = lag;
        this.ticker = Ticker.of(clock);
        this.timeoutMs = Math.max(100, leaseTimeout.toMillis());
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hub-groups");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.max(50, timeoutMs / 4);
        scheduler.scheduleWithFixedDelay(() -> run(this::expireAll), tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * Sets this hub's region, so that groups of streams homed in another region are not served here, and drops a
     * stream's cached groups whenever its home changes (a demoted hub must not rebalance or commit them; a promoted one
     * loads the replicated rows).
     */
    public void region(String value) {
        this.region = value;
        streams.addListener(new StreamRegistry.Listener() {
            @Override
            public void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {
                if (before.isPresent() && !before.get().replication().equals(after.replication())) {
                    run(() -> forget(after.name()));
                }
            }
        });
    }

    private void forget(String stream) {
        groups.keySet().removeIf(k -> k.stream().equals(stream));
        tokens.keySet().removeIf(k -> k.stream().equals(stream));
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
                    rebalance(m.group(), g, () -> {});
                }
            }
        });
    }

    @Override
    public boolean holds(String stream, String group, String shardId, long token) {
        Long t = tokens.get(new GroupShard(stream, group, shardId));
        return t != null && t == token;
    }

    private void heartbeat(Session session, LeaseHeartbeat hb) {
        String member = hb.getMemberId();
        LeaseAssignment.Builder out =
                LeaseAssignment.newBuilder().setRequestId(hb.getRequestId()).setLeaseTimeoutMs((int) timeoutMs);
        GroupKey key = new GroupKey(hb.getStream(), hb.getConsumerGroup());
        ConsumerGroup g = member.isEmpty() ? null : group(key);
        if (g == null) {
            session.send(Frame.newBuilder().setLeaseAssignment(out).build());
            return;
        }
        if (g.heartbeat(member, ticker.monotonicMillis())) {
            log.info("member {} joined group {}", member, key);
        }
        sessions.computeIfAbsent(session, s -> new HashSet<>()).add(new MemberKey(key, member));
        rebalance(key, g, () -> {
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
    }

    private void checkpoint(Session session, Checkpoint c) {
        CheckpointAck.Builder ack = CheckpointAck.newBuilder().setRequestId(c.getRequestId());
        GroupKey key = new GroupKey(c.getStream(), c.getConsumerGroup());
        ConsumerGroup g = group(key);
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
            CheckpointStore.Row row = row(key, l);
            checkpoints
                    .commit(List.of(row))
                    .whenComplete((v, e) -> run(() -> {
                        if (e == null) {
                            l.durableToken = Math.max(l.durableToken, row.token());
                            lag.track(row.key(), l.checkpoint, l.ended);
                            ack.setAccepted(true);
                            session.send(
                                    Frame.newBuilder().setCheckpointAck(ack).build());
                            if (row.ended() && !endedBefore) {
                                log.info("group {} finished {}", key, c.getShardId());
                                rebalance(key, g, () -> {});
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
                rebalance(e.getKey(), e.getValue(), () -> {});
            }
        }
    }

    /**
     * Recomputes the group's leases; revocations take effect at once, new grants once durable. Then runs {@code
     * then} on the group thread, after the commit of the grants (or of earlier ones still in flight).
     */
    private void rebalance(GroupKey key, ConsumerGroup g, Runnable then) {
        Optional<StreamDefinition> def = streams.find(key.stream());
        if (def.isEmpty()) {
            then.run();
            return;
        }
        boolean granted = g.rebalance(def.get());
        publish(key, g);
        if (granted) {
            List<CheckpointStore.Row> rows =
                    g.leases().values().stream().map(l -> row(key, l)).toList();
            checkpoints
                    .commit(rows)
                    .whenComplete((v, e) -> run(() -> {
                        if (e == null) {
                            for (CheckpointStore.Row r : rows) {
                                ShardLease l = g.leases().get(r.key().shardId());
                                l.durableToken = Math.max(l.durableToken, r.token());
                            }
                        } else {
                            // Not durable: withdraw the grants rather than risk granting a token twice.
                            log.error("cannot store the lease grants of group {}: {}", key, e.getMessage());
                            g.leases().values().stream()
                                    .filter(l -> !l.granted())
                                    .forEach(l -> l.owner = ShardLease.NONE);
                        }
                        publish(key, g);
                        then.run();
                    }));
        } else if (g.leases().values().stream().anyMatch(l -> l.owned() && !l.granted())) {
            checkpoints.sync().whenComplete((v, e) -> run(then));
        } else {
            then.run();
        }
    }

    /** Makes {@link #holds} honour exactly the durable grants of owned leases, and tracks their lag. */
    private void publish(GroupKey key, ConsumerGroup g) {
        for (ShardLease l : g.leases().values()) {
            GroupShard shard = key.shard(l.shardId);
            if (l.granted()) {
                tokens.put(shard, l.token);
            } else {
                tokens.remove(shard);
            }
            lag.track(shard, l.checkpoint, l.ended);
        }
    }

    private static CheckpointStore.Row row(GroupKey key, ShardLease l) {
        return new CheckpointStore.Row(key.shard(l.shardId), l.checkpoint, l.token, l.ended);
    }

    /** The group, loaded from the store on first use; null when it is invalid or its state cannot be read. */
    private ConsumerGroup group(GroupKey key) {
        Optional<StreamDefinition> def = streams.find(key.stream());
        if (def.isEmpty() || !NAME.matcher(key.group()).matches()) {
            return null;
        }
        if (!def.get().replication().isHome(region)) {
            // Checkpoints are replicated from the home; a group run here too would fork them.
            if (warnedNotHome.add(key)) {
                log.warn(
                        "group {}: stream {} is homed in region {}; its consumer groups run there, this hub gives no"
                                + " leases (read a replica with a shard reader)",
                        key,
                        key.stream(),
                        def.get().replication().homeRegion());
            }
            groups.remove(key);
            return null;
        }
        ConsumerGroup g = groups.get(key);
        if (g != null) {
            return g;
        }
        Map<String, ShardLease> saved = new HashMap<>();
        try {
            for (CheckpointStore.Row r : checkpoints.rows(key).values()) {
                ShardLease l = new ShardLease(r.key().shardId());
                l.checkpoint = r.checkpoint();
                l.token = r.token();
                l.durableToken = r.token();
                l.ended = r.ended();
                saved.put(l.shardId, l);
            }
        } catch (IOException e) {
            log.error("checkpoints of group {} are unreadable: {}", key, e.getMessage());
            return null;
        }
        ConsumerGroup loaded = new ConsumerGroup(saved);
        groups.put(key, loaded);
        def.get().shards().forEach(s -> loaded.lease(s.id()));
        publish(key, loaded);
        return loaded;
    }

    /** Describes a group's shards with owner, checkpoint and lag. Blocks; call from a worker thread. */
    public GroupDescription describe(String stream, String group) {
        StreamDefinition def = streams.describe(stream);
        if (!NAME.matcher(group).matches()) {
            throw new IllegalArgumentException("group name must match [A-Za-z0-9._-]{1,128}");
        }
        GroupKey key = new GroupKey(stream, group);
        record State(String owner, long checkpoint, boolean ended) {}
        Map<String, State> snapshot = call(() -> {
            Map<String, State> m = new HashMap<>();
            ConsumerGroup g = group(key);
            if (g != null) {
                for (ShardLease l : g.leases().values()) {
                    m.put(l.shardId, new State(l.granted() ? l.owner : ShardLease.NONE, l.checkpoint, l.ended));
                }
            } else if (!def.replication().isHome(region)) {
                // A replica runs no group but holds the checkpoints its home replicated.
                for (CheckpointStore.Row r : checkpoints.rows(key).values()) {
                    m.put(r.shardId(), new State(ShardLease.NONE, r.checkpoint(), r.ended()));
                }
            }
            return m;
        });
        GroupDescription.Builder d =
                GroupDescription.newBuilder().setStream(stream).setConsumerGroup(group);
        for (ShardDefinition s : def.shards()) {
            State v = snapshot.getOrDefault(s.id(), new State(ShardLease.NONE, -1, false));
            GroupLag.Lag l;
            try {
                l = lag.compute(new ShardKey(stream, s.id()), v.checkpoint(), v.ended());
            } catch (RuntimeException e) {
                throw new IllegalStateException("lag of " + key.shard(s.id()) + " cannot be computed: " + e, e);
            }
            d.addShards(GroupShardLag.newBuilder()
                    .setShardId(s.id())
                    .setOwner(v.owner())
                    .setCheckpoint(v.checkpoint())
                    .setLagRecords(l.records())
                    .setLagMs(l.millis()));
        }
        return d.build();
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

    private <T> T call(Callable<T> task) {
        try {
            return thread.submit(task).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("group state unavailable: " + e, e);
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
