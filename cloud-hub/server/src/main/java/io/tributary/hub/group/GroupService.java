package io.tributary.hub.group;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.hub.subscribe.LeaseCheck;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.GroupDescription;
import io.tributary.protocol.v1.GroupShardLag;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer groups: {@code LeaseHeartbeat} → {@code LeaseAssignment}, fenced {@code Checkpoint} → {@code
 * CheckpointAck}, group descriptions with lag, and lag gauges ({@code tributary_group_lag_records},
 * {@code tributary_group_lag_ms}).
 *
 * <p>Checkpoint contract: a checkpoint is accepted only from the member that holds the shard's lease with the
 * current token; it is durable ({@link CheckpointFile}, fsync'd) before it is acknowledged. Token grants are durable
 * before the member hears of them. A session that closes leaves its groups at once; a member that stops heartbeating
 * leaves after the lease timeout.
 *
 * <p>Thread rules: every group is touched only on this service's single group thread (file writes happen there
 * too); {@link #holds} and the gauges read published values and may be called from any thread.
 */
public final class GroupService implements FrameService, LeaseCheck, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupService.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final Path dir;
    private final StreamRegistry streams;
    private final ShardStore store;
    private final Clock clock;
    private final MeterRegistry registry;
    private final long timeoutMs;
    private final ExecutorService thread;
    private final Map<String, ConsumerGroup> groups = new HashMap<>();
    private final Map<Session, Set<String>> sessions = new HashMap<>();
    private final Map<String, Long> tokens = new ConcurrentHashMap<>();
    private final Set<String> gauges = ConcurrentHashMap.newKeySet();

    public GroupService(
            Path dataDir,
            StreamRegistry streams,
            ShardStore store,
            Clock clock,
            MeterRegistry registry,
            Duration leaseTimeout,
            ScheduledExecutorService scheduler) {
        this.dir = dataDir.resolve("groups");
        this.streams = streams;
        this.store = store;
        this.clock = clock;
        this.registry = registry;
        this.timeoutMs = Math.max(100, leaseTimeout.toMillis());
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hub-groups");
            t.setDaemon(true);
            return t;
        });
        long tick = Math.max(50, timeoutMs / 4);
        scheduler.scheduleWithFixedDelay(() -> run(this::expireAll), tick, tick, TimeUnit.MILLISECONDS);
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
            Set<String> joined = sessions.remove(session);
            if (joined == null) {
                return;
            }
            for (String entry : joined) {
                String[] f = entry.split("\u0000", 3);
                ConsumerGroup g = groups.get(f[0] + "\u0000" + f[1]);
                if (g != null && g.leave(f[2])) {
                    log.info("member {} of group {} on {} left (connection closed)", f[2], f[1], f[0]);
                    rebalance(f[0], f[1], g);
                }
            }
        });
    }

    @Override
    public boolean holds(String stream, String group, String shardId, long token) {
        Long t = tokens.get(stream + "\u0000" + group + "\u0000" + shardId);
        return t != null && t == token;
    }

    private void heartbeat(Session session, LeaseHeartbeat hb) {
        String stream = hb.getStream();
        String group = hb.getConsumerGroup();
        String member = hb.getMemberId();
        LeaseAssignment.Builder out =
                LeaseAssignment.newBuilder().setRequestId(hb.getRequestId()).setLeaseTimeoutMs((int) timeoutMs);
        Optional<StreamDefinition> def = streams.find(stream);
        if (def.isEmpty() || !NAME.matcher(group).matches() || member.isEmpty()) {
            session.send(Frame.newBuilder().setLeaseAssignment(out).build());
            return;
        }
        ConsumerGroup g = group(stream, group);
        if (g == null) {
            session.send(Frame.newBuilder().setLeaseAssignment(out).build());
            return;
        }
        if (g.heartbeat(member, clock.millis())) {
            log.info("member {} joined group {} on {}", member, group, stream);
        }
        sessions.computeIfAbsent(session, s -> new java.util.HashSet<>())
                .add(stream + "\u0000" + group + "\u0000" + member);
        rebalance(stream, group, g);
        StreamDefinition s = def.get();
        for (ShardLease l : g.leasesOf(member)) {
            out.addLeases(Lease.newBuilder()
                    .setShardId(l.shardId)
                    .setOwner(l.owner)
                    .setToken(l.token)
                    .setCheckpoint(l.checkpoint)
                    .addAllParentShards(
                            s.shard(l.shardId).map(d -> d.parentIds()).orElse(java.util.List.of())));
        }
        session.send(Frame.newBuilder().setLeaseAssignment(out).build());
    }

    private void checkpoint(Session session, Checkpoint c) {
        CheckpointAck.Builder ack = CheckpointAck.newBuilder().setRequestId(c.getRequestId());
        ConsumerGroup g = streams.find(c.getStream()).isPresent()
                        && NAME.matcher(c.getConsumerGroup()).matches()
                ? group(c.getStream(), c.getConsumerGroup())
                : null;
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
            l.checkpoint = c.getSequence();
            l.ended = l.ended || c.getShardEnd();
            if (save(c.getStream(), c.getConsumerGroup(), g)) {
                ack.setAccepted(true);
                if (l.ended && !endedBefore) {
                    log.info("group {} finished {}/{}", c.getConsumerGroup(), c.getStream(), c.getShardId());
                    rebalance(c.getStream(), c.getConsumerGroup(), g);
                }
            } else {
                l.checkpoint = before;
                l.ended = endedBefore;
                ack.setAccepted(false).setReason("checkpoint could not be written");
            }
        }
        session.send(Frame.newBuilder().setCheckpointAck(ack).build());
    }

    private void expireAll() {
        long now = clock.millis();
        for (Map.Entry<String, ConsumerGroup> e : groups.entrySet()) {
            if (e.getValue().expire(now, timeoutMs)) {
                String[] f = e.getKey().split("\u0000", 2);
                log.info("group {} on {}: a member missed its heartbeats, its leases move", f[1], f[0]);
                rebalance(f[0], f[1], e.getValue());
            }
        }
    }

    private void rebalance(String stream, String group, ConsumerGroup g) {
        Optional<StreamDefinition> def = streams.find(stream);
        if (def.isEmpty()) {
            return;
        }
        if (g.rebalance(def.get()) && !save(stream, group, g)) {
            // The grants are not durable: withdraw them rather than risk granting a token twice.
            g.leases().values().forEach(l -> l.owner = ShardLease.NONE);
        }
        for (ShardLease l : g.leases().values()) {
            String key = stream + "\u0000" + group + "\u0000" + l.shardId;
            if (l.owned()) {
                tokens.put(key, l.token);
            } else {
                tokens.remove(key);
            }
            gauge(stream, group, l);
        }
    }

    private boolean save(String stream, String group, ConsumerGroup g) {
        try {
            CheckpointFile.write(file(stream, group), g.leases().values());
            return true;
        } catch (IOException e) {
            log.error("cannot write checkpoints of group {} on {}: {}", group, stream, e.toString());
            return false;
        }
    }

    private Path file(String stream, String group) {
        return dir.resolve(stream).resolve(group + ".checkpoints");
    }

    /** The group, loaded from disk on first use; null when its file cannot be read. */
    private ConsumerGroup group(String stream, String group) {
        String key = stream + "\u0000" + group;
        ConsumerGroup g = groups.get(key);
        if (g == null) {
            try {
                g = new ConsumerGroup(CheckpointFile.read(file(stream, group)));
            } catch (IOException | RuntimeException e) {
                log.error("checkpoints of group {} on {} are unreadable: {}", group, stream, e.toString());
                return null;
            }
            groups.put(key, g);
            ConsumerGroup loaded = g;
            g.leases().values().forEach(l -> gauge(stream, group, l));
            streams.find(stream).ifPresent(d -> d.shards().forEach(s -> gauge(stream, group, loaded.lease(s.id()))));
        }
        return g;
    }

    /** Describes a group's shards with owner, checkpoint and lag. Blocks; call from a worker thread. */
    public GroupDescription describe(String stream, String group) {
        StreamDefinition def = streams.describe(stream);
        if (!NAME.matcher(group).matches()) {
            throw new IllegalArgumentException("group name must match [A-Za-z0-9._-]{1,128}");
        }
        Map<String, String[]> snapshot = call(() -> {
            Map<String, String[]> m = new HashMap<>();
            ConsumerGroup g = group(stream, group);
            if (g != null) {
                for (ShardLease l : g.leases().values()) {
                    m.put(l.shardId, new String[] {l.owner, Long.toString(l.checkpoint), l.ended ? "1" : "0"});
                }
            }
            return m;
        });
        GroupDescription.Builder d =
                GroupDescription.newBuilder().setStream(stream).setConsumerGroup(group);
        for (var s : def.shards()) {
            String[] v = snapshot.getOrDefault(s.id(), new String[] {"", "-1", "0"});
            long ckpt = Long.parseLong(v[1]);
            Lag lag = lag(new ShardKey(stream, s.id()), ckpt, v[2].equals("1"));
            d.addShards(GroupShardLag.newBuilder()
                    .setShardId(s.id())
                    .setOwner(v[0])
                    .setCheckpoint(ckpt)
                    .setLagRecords(lag.records)
                    .setLagMs(lag.millis));
        }
        return d.build();
    }

    private record Lag(long records, long millis) {}

    /** Records after the checkpoint and the age of the first of them. Blocking store access. */
    private Lag lag(ShardKey key, long checkpoint, boolean ended) {
        if (ended) {
            return new Lag(0, 0);
        }
        try {
            var info = store.info(key);
            long from = Math.max(checkpoint + 1, info.oldestSequence());
            long records = Math.max(0, info.nextSequence() - from);
            if (records == 0) {
                return new Lag(0, 0);
            }
            var r = store.read(key, from, 1, 1);
            long ms = r.batches().isEmpty()
                    ? 0
                    : Math.max(0, clock.millis() - r.batches().get(0).appendTimeMs());
            return new Lag(records, ms);
        } catch (RuntimeException e) {
            return new Lag(0, 0);
        }
    }

    private void gauge(String stream, String group, ShardLease l) {
        if (!gauges.add(stream + "\u0000" + group + "\u0000" + l.shardId)) {
            return;
        }
        ShardKey key = new ShardKey(stream, l.shardId);
        Tags tags = Tags.of("stream", stream, "group", group, "shard", l.shardId);
        Gauge.builder("tributary.group.lag.records", l, x -> lag(key, x.checkpoint, x.ended).records)
                .tags(tags)
                .description("Records after the group's checkpoint")
                .register(registry);
        Gauge.builder("tributary.group.lag.ms", l, x -> lag(key, x.checkpoint, x.ended).millis)
                .tags(tags)
                .description("Age of the oldest record after the group's checkpoint")
                .baseUnit("milliseconds")
                .register(registry);
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

    private <T> T call(java.util.concurrent.Callable<T> task) {
        try {
            return thread.submit(task).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("group state unavailable: " + e, e);
        }
    }

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
