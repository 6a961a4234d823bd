package io.tributary.hub.replication;

import io.tributary.hub.ingest.ReplicationGate.NotHome;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.Replication;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.hub.stream.StreamRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes of a stream's role on this hub. Adoption: a replica takes its home's version of a stream, and a former home
 * steps down when a newer generation shows up — the offer is checked, every shard is cut past the forks of the
 * generations this hub missed (the records a former home accepted and never replicated, counted and logged as lost)
 * and the version recorded. Promotion: a replica becomes the home, at a new generation whose forks are its
 * high-water marks.
 *
 * <p>Thread rules: {@link #adopt} and {@link #promote} are called only under the {@link Replicator}'s monitor
 * (serialized with each other); everything here blocks, so never on an event loop.
 */
final class RoleChanges {
    private static final Logger log = LoggerFactory.getLogger(RoleChanges.class);

    private final Replicator hub;
    private final StreamRegistry streams;
    private final ShardStore store;
    private final Watermarks watermarks;
    private final ReplicationMetrics metrics;
    /** Per stream: a demotion's cut not finished yet, with the generation this hub held before it. */
    private final Map<String, Long> pendingCuts = new ConcurrentHashMap<>();
    /** Streams whose role here is changing: ingest refuses them meanwhile. */
    private final Set<String> changing = ConcurrentHashMap.newKeySet();

    RoleChanges(Replicator hub) {
        this.hub = hub;
        this.streams = hub.streams();
        this.store = hub.store();
        this.watermarks = hub.watermarks();
        this.metrics = hub.metrics();
    }

    private String region() {
        return hub.region();
    }
    /**
     * Takes the home's version of a stream: checks it, cuts every shard this hub holds past the forks of the
     * generations it missed (the records a former home accepted and never replicated, counted and logged as lost),
     * and records the version. Blocking.
     *
     * @throws Refusal when the offer is older than what this hub holds, does not list this region, or conflicts
     */
    StreamDefinition adopt(StreamDefinition offered, String fromRegion) throws Refusal {
        Replication r = offered.replication();
        if (!r.replicated()) {
            throw new Refusal("stream " + offered.name() + " is not replicated");
        }
        if (!r.regions().containsKey(region())) {
            throw new Refusal("region " + region() + " is not one of stream " + offered.name() + "'s regions "
                    + r.regions().keySet());
        }
        if (r.homeRegion().equals(region())) {
            throw new Refusal("the offer of " + offered.name() + " names this hub's region " + region() + " as home");
        }
        String name = offered.name();
        Optional<StreamDefinition> local = streams.find(name);
        if (local.isPresent() && !local.get().createdAt().equals(offered.createdAt())) {
            local = dropOtherIncarnation(local.get(), offered);
        }
        if (local.isPresent()) {
            Replication lr = local.get().replication();
            if (!lr.replicated()) {
                throw new Refusal("region " + region() + " has a single-region stream named " + name);
            }
            if (lr.generation() > r.generation()) {
                throw new Refusal(
                        "generation " + r.generation() + " of " + name + " is older than generation " + lr.generation()
                                + " (home " + lr.homeRegion() + ")",
                        local.get());
            }
            if (lr.generation() == r.generation() && !lr.homeRegion().equals(r.homeRegion())) {
                throw new Refusal("generation " + r.generation() + " of " + name + " has home " + lr.homeRegion()
                        + " here and " + r.homeRegion() + " in the offer");
            }
            Long pending = pendingCuts.get(name);
            if (lr.generation() < r.generation() || pending != null) {
                // The generation whose records this hub may hold beyond the new history.
                long since = pending != null ? pending : lr.generation();
                pendingCuts.put(name, since);
                // Until cut and adopted, writes go to the new home: a cut that fails leaves this hub refusing them.
                hub.handingOver()
                        .put(
                                name,
                                new NotHome(
                                        r.homeRegion(),
                                        r.homeEndpoint(),
                                        "stream " + name + " is moving to region " + r.homeRegion() + " at "
                                                + r.homeEndpoint()));
                hub.stopIngest(name);
                cut(local.get(), offered, since, true);
                StreamDefinition taken = streams.adopt(offered, before -> {});
                // An append that passed ingest's home check just before the cut began may have landed after it;
                // from now on none can (this hub is no longer home), so a second pass is final. Should it fail,
                // the next offer runs it again (pendingCuts).
                cut(local.get(), offered, since, false);
                pendingCuts.remove(name);
                return taken;
            }
        }
        return streams.adopt(offered, before -> {});
    }

    /**
     * The home offers a stream of this name created at another time: the stream was deleted and created again there.
     * A replica's copy of the old one is dropped (logged) so the new one starts empty; a home's copy is kept (refused).
     */
    private Optional<StreamDefinition> dropOtherIncarnation(StreamDefinition local, StreamDefinition offered)
            throws Refusal {
        if (!local.replication().replicated() || local.replication().isHome(region())) {
            throw new Refusal("stream " + local.name() + " here was created at " + local.createdAt()
                    + ", the offer's at " + offered.createdAt() + "; this hub is its home");
        }
        log.warn(
                "stream {}: the home offers a stream created at {}, this region holds one created at {}: dropping the"
                        + " old copy",
                local.name(),
                offered.createdAt(),
                local.createdAt());
        for (ShardDefinition shard : local.shards()) {
            ShardKey key = new ShardKey(local.name(), shard.id());
            store.delete(key).join();
            watermarks.reset(key);
        }
        streams.delete(local.name());
        return Optional.empty();
    }

    private void cut(StreamDefinition local, StreamDefinition offered, long since, boolean announce) throws Refusal {
        boolean wasHome = local.replication().isHome(region());
        long lost = 0;
        for (ShardDefinition shard : local.shards()) {
            ShardKey key = new ShardKey(local.name(), shard.id());
            OptionalLong cutAt = offered.replication().cutPoint(since, shard.id());
            if (cutAt.isEmpty()) {
                continue;
            }
            long hwm;
            try {
                writerBarrier(key);
                hwm = store.info(key).nextSequence();
            } catch (RuntimeException e) {
                throw cutFailed(key, "not available to cut: " + e.getMessage());
            }
            if (hwm <= cutAt.getAsLong()) {
                continue;
            }
            long removed;
            try {
                removed = store.truncate(key, cutAt.getAsLong()).join();
            } catch (RuntimeException e) {
                throw cutFailed(key, "cannot cut at " + cutAt.getAsLong() + ": " + e.getMessage());
            }
            watermarks.reset(key);
            lost += removed;
            metrics.truncated(removed);
            log.warn(
                    "stream {}: dropped {} record(s) of {} at and after {}: this hub accepted them as {} of"
                            + " generation {} and they were never replicated (ack level {}: {})",
                    local.name(),
                    removed,
                    shard.id(),
                    cutAt.getAsLong(),
                    wasHome ? "home" : "replica",
                    local.replication().generation(),
                    local.replication().ackLevel().name().toLowerCase(java.util.Locale.ROOT),
                    local.replication().ackLevel() == Replication.Ack.LOCAL
                            ? "acknowledged records may be among them"
                            : "none of them was acknowledged");
        }
        if (wasHome && announce) {
            log.warn(
                    "stream {}: region {} is home at generation {}; this hub was home at generation {} and is a"
                            + " replica now ({} record(s) dropped)",
                    local.name(),
                    offered.replication().homeRegion(),
                    offered.replication().generation(),
                    local.replication().generation(),
                    lost);
        }
    }

    /** A cut that failed: the stream keeps refusing writes here (split brain is worse) and the next offer retries. */
    private Refusal cutFailed(ShardKey key, String why) {
        metrics.refused();
        log.error(
                "stream {}: cannot drop what shard {} holds past the new home's fork ({}); refusing writes for the"
                        + " stream and retrying at the next offer",
                key.stream(),
                key.shardId(),
                why);
        return new Refusal("shard " + key + " " + why);
    }

    /** Waits until every append queued to the shard's writer so far is done (a lookup queues behind them). */
    void writerBarrier(ShardKey key) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                store.lookupProducer(key, new ProducerKey("replication-barrier", "", 0), 0, 0)
                        .join();
                return;
            } catch (java.util.concurrent.CompletionException e) {
                // A full writer queue is likely under load at the moment of a demotion: wait for room.
                if (!(e.getCause() instanceof io.tributary.hub.store.StoreBusyException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
        }
    }

    /**
     * After {@code handingOver} names the stream: waits until no batch that passed ingest's home check before can still
     * reach the store unqueued (ingest checks and appends in one event-loop task), so the writer barriers that follow
     * come after every append this hub accepted as home.
     */
    void stopIngest(String stream, java.util.function.Supplier<CompletableFuture<Void>> ingestBarrier) {
        try {
            ingestBarrier.get().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            log.warn(
                    "stream {}: ingest did not quiesce in 10 s ({}); the second cut covers what lands late",
                    stream,
                    e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Makes this hub the home of a stream it replicates: a new generation whose forks are this hub's high-water marks,
     * taken after every replicated append already queued is durable.
     */
    StreamDefinition promote(String name) {
        StreamDefinition stream = streams.describe(name);
        Replication r = stream.replication();
        if (!r.replicated()) {
            throw new StreamException(StreamException.Reason.INVALID, "stream " + name + " is not replicated");
        }
        if (r.isHome(region())) {
            throw new StreamException(
                    StreamException.Reason.INVALID,
                    "stream " + name + " is already homed in this hub's region " + region());
        }
        changing.add(name);
        hub.handingOver().remove(name);
        try {
            Map<String, Long> hwms = new LinkedHashMap<>();
            for (ShardDefinition shard : stream.shards()) {
                ShardKey key = new ShardKey(name, shard.id());
                writerBarrier(key);
                hwms.put(shard.id(), store.info(key).nextSequence());
            }
            StreamDefinition after = streams.updateReplication(name, rep -> rep.promote(region(), hwms));
            log.warn(
                    "stream {}: promoted region {} to home at generation {} (was {} at generation {}); forks {}",
                    name,
                    region(),
                    after.replication().generation(),
                    r.homeRegion(),
                    r.generation(),
                    hwms);
            return after;
        } finally {
            changing.remove(name);
        }
    }

    /** Whether a stream's role here is changing (a promotion under way): ingest and replicated batches wait. */
    boolean changing(String stream) {
        return changing.contains(stream);
    }
}
