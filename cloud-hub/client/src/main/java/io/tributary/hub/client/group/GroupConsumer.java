package io.tributary.hub.client.group;

import io.netty.channel.EventLoop;
import io.tributary.hub.client.core.ClientOptions;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubClientException;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.client.spi.HubSession;
import io.tributary.hub.client.spi.HubSessionListener;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import io.tributary.protocol.v1.PeerRole;
import io.tributary.protocol.v1.Welcome;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member of a consumer group: heartbeats to the hub, runs a {@link RecordProcessor} per leased shard (each on its
 * own thread, reading from after the shard's checkpoint), stops a processor with {@link RecordProcessor#leaseLost}
 * when the hub moves its lease, and reconnects and rejoins on its own (its link is a {@link HubSession}). When no assignment arrives for the hub's lease
 * timeout, it gives up its shards itself, so two members never keep processing one shard for long.
 *
 * <p>Thread rules: public methods from any thread. Membership state lives on one Netty event loop; processors run on
 * their own threads, never on Netty threads.
 */
public final class GroupConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupConsumer.class);
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(10);

    private final ClientResources resources;
    private final ClientOptions client;
    private final GroupConsumerOptions options;
    private final Supplier<RecordProcessor> processors;
    private final EventLoop loop;
    private final HubSession session;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<CheckpointAck>> pending = new ConcurrentHashMap<>();
    private final Map<String, ShardWorker> workers = new ConcurrentHashMap<>();

    // Event-loop state.
    private long leaseTimeoutMs = 10_000;
    /** Monotonic (nanoTime): a wall clock set forward must not give up every shard, set back must not keep them. */
    private long lastAssignmentNanos = System.nanoTime();
    /** The last answer said the group is unavailable at the hub (logged once per episode). */
    private boolean unavailable;

    private volatile boolean closed;

    private GroupConsumer(
            ClientResources resources,
            ClientOptions client,
            GroupConsumerOptions options,
            Supplier<RecordProcessor> processors) {
        this.resources = resources;
        this.client = client;
        this.options = options;
        this.processors = processors;
        this.loop = resources.group().next();
        this.session = HubSession.builder(resources, client, PeerRole.PEER_ROLE_CONSUMER, options.memberId())
                .executor(loop)
                .backoff(Duration.ofMillis(50), Duration.ofSeconds(2))
                .build(new Link());
    }

    /** Joins the group; leases and processing start in the background. */
    public static GroupConsumer start(
            ClientResources resources,
            ClientOptions client,
            GroupConsumerOptions options,
            Supplier<RecordProcessor> processors) {
        GroupConsumer c = new GroupConsumer(resources, client, options, processors);
        c.session.start();
        c.loop.execute(c::tick);
        return c;
    }

    public String memberId() {
        return options.memberId();
    }

    /** The shards this member is processing now. */
    public Set<String> ownedShards() {
        return new TreeSet<>(workers.keySet());
    }

    /** The member's side of its {@link HubSession}; on the member's event loop. */
    private final class Link implements HubSessionListener {
        @Override
        public void connected(HubEndpoint endpoint, Welcome welcome) {
            heartbeat();
        }

        @Override
        public void lost(HubEndpoint endpoint, String reason, long retryInMillis) {
            failPending(new HubClientException(reason, true));
        }

        @Override
        public void refused(HubEndpoint endpoint, HubClientException e) {
            // Nothing reconnects: the lease timeout stops the workers (tick), as when the hub is unreachable.
            log.error("hub {} refused group member {}: {}", endpoint, options.memberId(), e.getMessage());
            failPending(e);
        }

        @Override
        public void leaseAssignment(LeaseAssignment assignment) {
            assigned(assignment);
        }

        @Override
        public void checkpointAck(CheckpointAck ack) {
            CompletableFuture<CheckpointAck> f = pending.remove(ack.getRequestId());
            if (f != null) {
                f.complete(ack);
            }
        }
    }

    private void failPending(HubClientException e) {
        pending.values().forEach(f -> f.completeExceptionally(e));
        pending.clear();
    }

    private void tick() {
        if (closed) {
            return;
        }
        heartbeat();
        if (System.nanoTime() - lastAssignmentNanos > TimeUnit.MILLISECONDS.toNanos(leaseTimeoutMs)
                && !workers.isEmpty()) {
            log.warn("no lease assignment for {} ms: giving up {} shards", leaseTimeoutMs, workers.size());
            workers.values().forEach(w -> w.stop(ShardWorker.Stop.LEASE_LOST));
        }
        long every = Math.max(10, Math.min(options.heartbeatInterval().toMillis(), leaseTimeoutMs / 3));
        loop.schedule(this::tick, every, TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        if (session.isConnected()) {
            session.send(Frame.newBuilder()
                    .setLeaseHeartbeat(LeaseHeartbeat.newBuilder()
                            .setRequestId(ids.incrementAndGet())
                            .setStream(options.stream())
                            .setConsumerGroup(options.group())
                            .setMemberId(options.memberId()))
                    .build());
        }
    }

    private void assigned(LeaseAssignment a) {
        if (closed || !a.getCoordinatorEndpoint().isEmpty()) {
            // Another hub coordinates the group: the session moves there (HubSession), where the next heartbeat is
            // answered; this answer grants and revokes nothing, and the workers keep their leases meanwhile.
            return;
        }
        if (!a.getUnavailableReason().isEmpty()) {
            // The hub cannot have the group's state now: no news about the leases. The workers keep theirs until
            // the lease timeout since the last real assignment (tick), as when the hub is unreachable.
            if (!unavailable) {
                unavailable = true;
                log.warn(
                        "group {} unavailable at the hub: {}; keeping {} shards for up to {} ms",
                        options.group(),
                        a.getUnavailableReason(),
                        workers.size(),
                        leaseTimeoutMs);
            }
            return;
        }
        if (unavailable) {
            unavailable = false;
            log.info("group {} available again", options.group());
        }
        lastAssignmentNanos = System.nanoTime();
        if (a.getLeaseTimeoutMs() > 0) {
            leaseTimeoutMs = a.getLeaseTimeoutMs();
        }
        Map<String, Lease> now = new HashMap<>();
        for (Lease l : a.getLeasesList()) {
            now.put(l.getShardId(), l);
        }
        for (Map.Entry<String, ShardWorker> e : workers.entrySet()) {
            Lease l = now.get(e.getKey());
            if (l == null || l.getToken() != e.getValue().token) {
                e.getValue().stop(ShardWorker.Stop.LEASE_LOST);
            }
        }
        for (Lease l : a.getLeasesList()) {
            if (!workers.containsKey(l.getShardId())) {
                ShardWorker w = new ShardWorker(
                        this,
                        resources,
                        client,
                        options,
                        l.getShardId(),
                        l.getToken(),
                        l.getCheckpoint(),
                        l.getParentShardsCount() > 0,
                        processors.get());
                workers.put(l.getShardId(), w);
                w.start();
            }
        }
    }

    /** A worker finished (any reason): forget it and ask for a fresh assignment (children may be free now). */
    void workerDone(String shardId, ShardWorker worker) {
        workers.remove(shardId, worker);
        try {
            loop.execute(this::heartbeat);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The consumer is closing (its event loop is gone): there is no assignment left to ask for.
        }
    }

    /**
     * Sends a checkpoint and waits for the hub's answer; called from processor threads. A hub that does not coordinate
     * the group refuses it naming the one that does: the session moves there and the checkpoint is sent again there
     * (within the same {@value #CHECKPOINT_ATTEMPTS} tries and timeout). One that fails because the session moved or
     * its connection dropped while it was pending, or that the hub could not take because the group's state is
     * unavailable now, is sent again too, within the timeout.
     */
    void checkpoint(String shardId, long token, long sequence, boolean shardEnd) {
        long deadline = System.nanoTime() + CHECKPOINT_TIMEOUT.toNanos();
        for (int attempt = 1; ; attempt++) {
            CheckpointAck ack;
            try {
                ack = sendCheckpoint(shardId, token, sequence, shardEnd, deadline);
            } catch (HubClientException e) {
                // A move of the session (sent on to the coordinator, by this checkpoint's refusal or by a heartbeat's
                // answer) or a lost connection fails what is pending: send it again while the timeout lasts. A
                // checkpoint is idempotent (same token and sequence); one whose lease moved meanwhile is refused.
                if (!e.retriable() || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                sleep(50); // the session is moving to the coordinator
                attempt--;
                continue;
            }
            if (ack.getAccepted()) {
                return;
            }
            if (ack.getUnavailable() && System.nanoTime() - deadline < 0) {
                // the group's state cannot be had now (its store is down): no verdict on the lease, try again
                sleep(200);
                attempt--;
                continue;
            }
            if (ack.getCoordinatorEndpoint().isEmpty() || attempt >= CHECKPOINT_ATTEMPTS) {
                throw new CheckpointRefusedException(ack.getReason());
            }
            log.debug(
                    "checkpoint of {} sent on to the group's coordinator at {}", shardId, ack.getCoordinatorEndpoint());
        }
    }

    private static final int CHECKPOINT_ATTEMPTS = 3;

    /** The session was not connected when the checkpoint was to go. */
    private static final class NotConnected extends HubClientException {
        private static final long serialVersionUID = 1L;

        NotConnected() {
            super("not connected to the hub", true);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubClientException("interrupted", false, e);
        }
    }

    private CheckpointAck sendCheckpoint(String shardId, long token, long sequence, boolean shardEnd, long deadline) {
        long id = ids.incrementAndGet();
        CompletableFuture<CheckpointAck> f = new CompletableFuture<>();
        pending.put(id, f);
        Frame frame = Frame.newBuilder()
                .setCheckpoint(Checkpoint.newBuilder()
                        .setRequestId(id)
                        .setStream(options.stream())
                        .setConsumerGroup(options.group())
                        .setShardId(shardId)
                        .setSequence(Math.max(0, sequence))
                        .setMemberId(options.memberId())
                        .setLeaseToken(token)
                        .setShardEnd(shardEnd))
                .build();
        loop.execute(() -> {
            if (!session.isConnected()) {
                pending.remove(id);
                f.completeExceptionally(new NotConnected());
            } else {
                session.send(frame);
            }
        });
        try {
            return f.get(
                    Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubClientException("interrupted", false, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof NotConnected nc) {
                throw nc;
            }
            throw new HubClientException("checkpoint failed: " + e.getCause().getMessage(), true, e.getCause());
        } catch (TimeoutException e) {
            pending.remove(id);
            throw new HubClientException("checkpoint not answered in " + CHECKPOINT_TIMEOUT, true, e);
        }
    }

    /**
     * Asks every processor to shut down ({@link RecordProcessor#shutdownRequested}, where it may checkpoint), waits
     * for them, then leaves the group (the hub frees the leases at once).
     */
    @Override
    public void close() {
        List<ShardWorker> running = List.copyOf(workers.values());
        running.forEach(w -> w.stop(ShardWorker.Stop.SHUTDOWN));
        for (ShardWorker w : running) {
            try {
                w.join(Duration.ofSeconds(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closed = true;
        // On the loop, so that the connection is closing when this returns: the hub frees the leases at once.
        loop.submit(session::close).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
