package io.tributary.hub.replication;

import io.tributary.hub.ingest.ReplicationGate.NotHome;
import io.tributary.hub.server.Session;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.protocol.v1.Frame;
import io.tributary.protocol.v1.ReplicaHandover;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Planned switchover ({@code admin streams promote --graceful}), both sides. The replica asks its home, over the
 * home's own replication connection, to hand a stream over; the home stops taking writes for it (redirecting them to
 * the region taking over), waits for its queued appends and answers with its final high-water marks; the replica
 * waits until it holds them and promotes itself. A home that hears nothing more takes writes again after
 * {@link #HANDOVER_TIMEOUT}.
 *
 * <p>Thread rules: thread-safe; {@link #promoteGracefully} blocks (call it off event loops).
 */
final class Handover implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Handover.class);

    private final Replicator hub;

    Handover(Replicator hub) {
        this.hub = hub;
    }

    /** Per stream this hub replicates: the connection of its home, for a planned switchover. */
    private final Map<String, Session> homes = new ConcurrentHashMap<>();

    private final Map<String, CompletableFuture<Map<String, Long>>> handovers = new ConcurrentHashMap<>();

    void homeSession(String stream, Session session) {
        homes.put(stream, session);
    }

    /** A stream deleted here: its home's connection is no longer needed for it. */
    void forget(String stream) {
        homes.remove(stream);
    }

    void homeSessionClosed(Session session) {
        homes.values().removeIf(s -> s == session);
    }

    /**
     * A planned switchover: asks the home to stop taking writes for the stream, waits until this hub holds everything
     * the home stored, then promotes. Fails (and the home takes writes again after a while) when the home cannot be
     * reached or this hub does not catch up in time.
     */
    StreamDefinition promoteGracefully(String name) {
        Session home = homes.get(name);
        // The home may be reconnecting (or not have offered the stream yet): give it a few seconds.
        long waitUntil = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while ((home == null || !home.isOpen()) && System.nanoTime() < waitUntil) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            home = homes.get(name);
        }
        if (home == null || !home.isOpen()) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "graceful promotion of " + name + " needs a live connection from its home; promote without"
                            + " --graceful to fail over");
        }
        CompletableFuture<Map<String, Long>> answer = new CompletableFuture<>();
        handovers.put(name, answer);
        home.send(Frame.newBuilder()
                .setReplicaHandover(ReplicaHandover.newBuilder().setStream(name))
                .build());
        long deadline = System.nanoTime() + HANDOVER_TIMEOUT.toNanos();
        try {
            Map<String, Long> target =
                    answer.get(HANDOVER_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            for (Map.Entry<String, Long> e : target.entrySet()) {
                ShardKey key = new ShardKey(name, e.getKey());
                while (hub.highWaterMark(key) < e.getValue()) {
                    if (System.nanoTime() > deadline) {
                        throw new StreamException(
                                StreamException.Reason.INVALID,
                                "graceful promotion of " + name + ": " + key + " did not catch up with the home's "
                                        + e.getValue() + " in " + HANDOVER_TIMEOUT.toSeconds() + " s");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StreamException(
                    StreamException.Reason.INVALID, "graceful promotion of " + name + ": the home did not answer");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new StreamException(StreamException.Reason.INVALID, "graceful promotion failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StreamException(StreamException.Reason.INVALID, "interrupted");
        } finally {
            handovers.remove(name);
        }
        return hub.promote(name);
    }

    /** The home's answer to a handover request. */
    void handedOver(ReplicaHandover answer) {
        CompletableFuture<Map<String, Long>> f = handovers.get(answer.getStream());
        if (f != null) {
            Map<String, Long> hwms = new LinkedHashMap<>();
            answer.getHighWaterMarksList().forEach(h -> hwms.put(h.getShardId(), h.getSequence()));
            f.complete(hwms);
        }
    }

    /**
     * Home side: a replica asks to take over {@code name}. Stops taking writes for it for {@link #HANDOVER_TIMEOUT}
     * (the replica's promotion ends that for good), waits for the queued appends, and answers with the final
     * high-water marks.
     */
    void handOver(String name, ReplicaLink link) {
        hub.worker().execute(() -> {
            StreamDefinition stream = hub.streams().find(name).orElse(null);
            if (stream == null || !stream.replication().isHome(hub.region())) {
                return;
            }
            String target = stream.replication().regions().get(link.region());
            NotHome redirect = new NotHome(
                    link.region(),
                    target,
                    "stream " + name + " is being handed over to region " + link.region() + " at " + target);
            // Until the new generation arrives (or the handover times out), writes go to the region taking over.
            hub.handingOver().put(name, redirect);
            hub.stopIngest(name);
            handoverExpiry.schedule(
                    () -> hub.handingOver().remove(name, redirect),
                    HANDOVER_TIMEOUT.toMillis(),
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            ReplicaHandover.Builder b = ReplicaHandover.newBuilder().setStream(name);
            for (ShardDefinition shard : stream.shards()) {
                ShardKey key = new ShardKey(name, shard.id());
                hub.writerBarrier(key);
                b.addHighWaterMarks(io.tributary.protocol.v1.ShardFork.newBuilder()
                        .setGeneration(stream.replication().generation())
                        .setShardId(shard.id())
                        .setSequence(hub.highWaterMark(key)));
            }
            log.warn("stream {}: handing over to region {}; taking no writes meanwhile", name, link.region());
            Frame f = Frame.newBuilder().setReplicaHandover(b).build();
            link.execute(() -> link.send(f));
        });
    }

    private static final java.time.Duration HANDOVER_TIMEOUT = java.time.Duration.ofSeconds(20);
    private final java.util.concurrent.ScheduledExecutorService handoverExpiry =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "hub-handover");
                t.setDaemon(true);
                return t;
            });

    @Override
    public void close() {
        handoverExpiry.shutdownNow();
    }
}
