package io.tributary.hub.client.group;

import io.netty.channel.EventLoop;
import io.tributary.hub.client.Backoff;
import io.tributary.hub.client.ClientOptions;
import io.tributary.hub.client.ClientResources;
import io.tributary.hub.client.FrameListener;
import io.tributary.hub.client.HubClientException;
import io.tributary.hub.client.HubConnection;
import io.tributary.hub.client.HubEndpoint;
import io.tributary.protocol.v1.Checkpoint;
import io.tributary.protocol.v1.CheckpointAck;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.Lease;
import io.tributary.protocol.v1.LeaseAssignment;
import io.tributary.protocol.v1.LeaseHeartbeat;
import io.tributary.protocol.v1.PeerRole;
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
 * when the hub moves its lease, and reconnects and rejoins on its own. When no assignment arrives for the hub's lease
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
    private final Backoff backoff;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<CheckpointAck>> pending = new ConcurrentHashMap<>();
    private final Map<String, ShardWorker> workers = new ConcurrentHashMap<>();

    // Event-loop state.
    private HubConnection connection;
    private int endpointIndex;
    private long leaseTimeoutMs = 10_000;
    private long lastAssignmentMs = System.currentTimeMillis();
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
        this.backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(2));
    }

    /** Joins the group; leases and processing start in the background. */
    public static GroupConsumer start(
            ClientResources resources,
            ClientOptions client,
            GroupConsumerOptions options,
            Supplier<RecordProcessor> processors) {
        GroupConsumer c = new GroupConsumer(resources, client, options, processors);
        c.loop.execute(c::connect);
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

    private void connect() {
        if (closed) {
            return;
        }
        HubEndpoint ep =
                client.endpoints().get(endpointIndex % client.endpoints().size());
        HubConnection.connect(
                        resources,
                        loop,
                        ep,
                        client,
                        PeerRole.PEER_ROLE_CONSUMER,
                        options.memberId(),
                        0,
                        new FrameListener() {
                            @Override
                            public void onFrame(HubConnection conn, Frame frame) {
                                if (frame.hasLeaseAssignment()) {
                                    assigned(frame.getLeaseAssignment());
                                } else if (frame.hasCheckpointAck()) {
                                    CompletableFuture<CheckpointAck> f = pending.remove(
                                            frame.getCheckpointAck().getRequestId());
                                    if (f != null) {
                                        f.complete(frame.getCheckpointAck());
                                    }
                                }
                            }

                            @Override
                            public void onClosed(HubConnection conn, String reason) {
                                if (conn == connection) {
                                    connection = null;
                                    HubClientException e = new HubClientException(reason, true);
                                    pending.values().forEach(f -> f.completeExceptionally(e));
                                    pending.clear();
                                    retry();
                                }
                            }
                        })
                .whenComplete((conn, error) -> loop.execute(() -> {
                    if (error != null) {
                        endpointIndex++;
                        retry();
                    } else if (closed) {
                        conn.close();
                    } else {
                        connection = conn;
                        backoff.reset();
                        heartbeat();
                    }
                }));
    }

    private void retry() {
        if (!closed) {
            loop.schedule(this::connect, backoff.nextDelayMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        heartbeat();
        if (System.currentTimeMillis() - lastAssignmentMs > leaseTimeoutMs && !workers.isEmpty()) {
            log.warn("no lease assignment for {} ms: giving up {} shards", leaseTimeoutMs, workers.size());
            workers.values().forEach(w -> w.stop(ShardWorker.Stop.LEASE_LOST));
        }
        long every = Math.max(10, Math.min(options.heartbeatInterval().toMillis(), leaseTimeoutMs / 3));
        loop.schedule(this::tick, every, TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        if (connection != null) {
            connection.send(Frame.newBuilder()
                    .setLeaseHeartbeat(LeaseHeartbeat.newBuilder()
                            .setRequestId(ids.incrementAndGet())
                            .setStream(options.stream())
                            .setConsumerGroup(options.group())
                            .setMemberId(options.memberId()))
                    .build());
        }
    }

    private void assigned(LeaseAssignment a) {
        if (closed) {
            return;
        }
        lastAssignmentMs = System.currentTimeMillis();
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
        loop.execute(this::heartbeat);
    }

    /** Sends a checkpoint and waits for the hub's answer; called from processor threads. */
    void checkpoint(String shardId, long token, long sequence, boolean shardEnd) {
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
            if (connection == null) {
                pending.remove(id);
                f.completeExceptionally(new HubClientException("not connected to the hub", true));
            } else {
                connection.send(frame);
            }
        });
        CheckpointAck ack;
        try {
            ack = f.get(CHECKPOINT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubClientException("interrupted", false, e);
        } catch (ExecutionException e) {
            throw new HubClientException("checkpoint failed: " + e.getCause().getMessage(), true, e.getCause());
        } catch (TimeoutException e) {
            pending.remove(id);
            throw new HubClientException("checkpoint not answered in " + CHECKPOINT_TIMEOUT, true, e);
        }
        if (!ack.getAccepted()) {
            throw new CheckpointRefusedException(ack.getReason());
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
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            if (connection != null) {
                connection.close();
                connection = null;
            }
            done.complete(null);
        });
        done.orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
