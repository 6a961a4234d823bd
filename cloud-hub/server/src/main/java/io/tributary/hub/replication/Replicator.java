package io.tributary.hub.replication;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.config.ReplicationConfig;
import io.tributary.hub.epoch.EpochGrants;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.ingest.ReplicationGate;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.store.ProducerKey;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.Replication;
import io.tributary.hub.stream.Reshard;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamException;
import io.tributary.hub.stream.StreamMessages;
import io.tributary.hub.stream.StreamRegistry;
import io.tributary.hub.subscribe.ShardNotifier;
import io.tributary.protocol.v1.ReplicaRefused;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-region replication of one hub, both roles: as the home of a stream it keeps a {@link ReplicaLink} to every
 * replica region and ships each shard there; as a replica it takes its homes' offers and batches ({@link
 * ReplicaInbound}). It also answers ingest ({@link ReplicationGate}: not home, replicated watermarks), promotes a
 * replica to home, and demotes this hub when a newer generation shows up. See docs/architecture.md, "Regions".
 *
 * <p>Thread rules: thread-safe. Changes of a stream's role here ({@link #adopt}, {@link #promote}) are serialized by
 * this object's monitor and block (they may truncate shards and write the catalog): call them off event loops.
 */
public final class Replicator implements ReplicationGate, StreamRegistry.Listener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);

    private final HubConfig config;
    private final StreamRegistry streams;
    private final ShardStore store;
    private final ShardNotifier notifier;
    private final EpochGrants grants;
    private final CheckpointStore checkpoints;
    private final ExecutorService worker;
    private final Clock clock;
    private final ReplicationMetrics metrics;
    private final LagBoard lags;
    private final Watermarks watermarks = new Watermarks();
    private final ClientResources resources = new ClientResources(1);
    private final Map<String, ReplicaLink> links = new ConcurrentHashMap<>();
    private final Map<ShardKey, LagBoard.Entry> replicaLags = new ConcurrentHashMap<>();
    /** Per stream: whether this hub was its (replicated) home at the last sync. Guarded by {@code links}. */
    private final Map<String, Boolean> homeHere = new java.util.HashMap<>();
    /** Streams handed over to another region (graceful promotion under way): where writes go meanwhile. */
    private final Map<String, NotHome> handingOver = new ConcurrentHashMap<>();
    /** Per stream: a demotion's cut not finished yet, with the generation this hub held before it. */
    private final Map<String, Long> pendingCuts = new ConcurrentHashMap<>();
    /** Streams whose role here is changing: ingest refuses them meanwhile. */
    private final Set<String> changing = ConcurrentHashMap.newKeySet();

    private final ReplicaInbound inbound = new ReplicaInbound(this);
    private final Carried carried;
    private final Handover handover = new Handover(this);
    private volatile String endpoint;
    /** Completes once ingest has acted on every home check it made before: see {@link #stopIngest}. */
    private volatile java.util.function.Supplier<CompletableFuture<Void>> ingestBarrier =
            () -> CompletableFuture.completedFuture(null);

    private volatile boolean closed;

    public Replicator(
            HubConfig config,
            StreamRegistry streams,
            ShardStore store,
            ShardNotifier notifier,
            EpochGrants grants,
            CheckpointStore checkpoints,
            ExecutorService worker,
            Clock clock,
            MeterRegistry registry) {
        this.config = config;
        this.streams = streams;
        this.store = store;
        this.notifier = notifier;
        this.grants = grants;
        this.checkpoints = checkpoints;
        this.worker = worker;
        this.clock = clock;
        this.metrics = new ReplicationMetrics(registry);
        this.lags = new LagBoard(registry, clock);
        this.carried = new Carried(this, grants, checkpoints, links);
    }

    /** Starts replicating the streams this hub is home of; {@code port} is the listener's, for the default endpoint. */
    public void start(int port, java.util.function.Supplier<CompletableFuture<Void>> ingestBarrier) {
        this.ingestBarrier = ingestBarrier;
        String advertised = config.replication().advertisedEndpoint();
        this.endpoint = advertised.isEmpty() ? defaultEndpoint(config.host(), port) : advertised;
        carried.start();
        streams.addListener(this);
        streams.list().forEach(this::sync);
        log.info("replication: this hub is region {} at {}", config.region(), endpoint);
    }

    private static String defaultEndpoint(String host, int port) {
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return host + ":" + port;
    }

    /** The frames of the replica's side, for the hub's dispatcher. */
    public FrameService inbound() {
        return inbound;
    }

    public LagBoard lags() {
        return lags;
    }

    /** This hub's address as recorded in the streams it creates with replicas. */
    public String endpoint() {
        return endpoint;
    }

    public String region() {
        return config.region();
    }

    // ---- ingest ----

    @Override
    public NotHome notHome(StreamDefinition stream) {
        Replication r = stream.replication();
        NotHome handedTo = handingOver.get(stream.name());
        if (handedTo != null) {
            return handedTo;
        }
        if (changing.contains(stream.name())) {
            return new NotHome(
                    r.homeRegion(), r.homeEndpoint(), "stream " + stream.name() + " is changing home; retry shortly");
        }
        if (r.isHome(region())) {
            return null;
        }
        return new NotHome(
                r.homeRegion(),
                r.homeEndpoint(),
                "stream " + stream.name() + " is homed in region " + r.homeRegion() + " at " + r.homeEndpoint()
                        + " (generation " + r.generation() + "); this hub (region " + region() + ") holds a replica");
    }

    /** Whether a stream's role here is changing (a promotion under way): replicated batches are not taken. */
    boolean changing(String stream) {
        return changing.contains(stream);
    }

    @Override
    public CompletableFuture<Void> replicated(ShardKey shard, long end) {
        return watermarks.await(shard, end);
    }

    @Override
    public void timedOut() {
        metrics.notReplicated();
    }

    // ---- home side ----

    @Override
    public void onCreated(StreamDefinition stream) {
        sync(stream);
    }

    @Override
    public void onResharded(Reshard reshard) {
        sync(reshard.after());
    }

    @Override
    public void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {
        sync(after);
    }

    @Override
    public void onDeleted(StreamDefinition stream) {
        synchronized (links) {
            links.entrySet().removeIf(e -> {
                e.getValue().withdraw(stream.name());
                if (!e.getValue().idle()) {
                    return false;
                }
                e.getValue().close();
                return true;
            });
        }
        lags.forget(stream.name());
        // A stream created again under this name starts from nothing replicated.
        stream.shards().forEach(sh -> watermarks.reset(new ShardKey(stream.name(), sh.id())));
        replicaLags.keySet().removeIf(k -> k.stream().equals(stream.name()));
        handover.forget(stream.name());
        synchronized (links) {
            homeHere.remove(stream.name());
        }
    }

    /** Offers the stream to its replica regions when this hub is its home; withdraws it from every link otherwise. */
    private void sync(StreamDefinition stream) {
        // Not this object's monitor: sync runs inside the registry's mutation lock, which adopt and promote take
        // while holding that monitor.
        synchronized (links) {
            syncLocked(stream);
        }
    }

    private void syncLocked(StreamDefinition stream) {
        if (closed) {
            return;
        }
        Replication r = stream.replication();
        boolean home = r.replicated() && r.isHome(region());
        Boolean before = homeHere.put(stream.name(), home);
        if (!home) {
            handingOver.remove(stream.name());
        }
        if (before != null && before != home) {
            // The role changed: the other role's lag entries say nothing any more.
            lags.forget(stream.name());
            replicaLags.keySet().removeIf(k -> k.stream().equals(stream.name()));
        }
        Set<String> wanted = new HashSet<>();
        if (r.replicated() && r.isHome(region())) {
            for (String replica : r.replicaRegions()) {
                String target = r.regions().get(replica);
                String id = replica + "@" + target;
                wanted.add(id);
                try {
                    links.computeIfAbsent(id, k -> {
                                ReplicaLink l = new ReplicaLink(this, resources, replica, HubEndpoint.parse(target));
                                l.start();
                                return l;
                            })
                            .offer(stream);
                } catch (RuntimeException e) {
                    log.error(
                            "replication: cannot replicate {} to region {} at '{}': {}",
                            stream.name(),
                            replica,
                            target,
                            e.getMessage());
                }
            }
        }
        links.entrySet().removeIf(e -> {
            if (wanted.contains(e.getKey())) {
                return false;
            }
            e.getValue().withdraw(stream.name());
            if (!e.getValue().idle()) {
                return false;
            }
            // No stream left for that region: close the connection rather than keep it idle.
            e.getValue().close();
            return true;
        });
    }

    /** A replica refused what this hub offered or sent; when it knows a newer generation, this hub steps down. */
    void refusedBy(String region, ReplicaRefused refused) {
        metrics.refused();
        if (!refused.hasStream()) {
            log.warn("replication: region {} refused {}: {}", region, refused.getStreamName(), refused.getReason());
            return;
        }
        StreamDefinition newer;
        try {
            newer = StreamMessages.fromDescription(refused.getStream());
        } catch (StreamException e) {
            log.warn(
                    "replication: region {} refused {} with an invalid stream: {}",
                    region,
                    refused.getStreamName(),
                    e.getMessage());
            return;
        }
        log.warn("replication: region {} refused {}: {}", region, refused.getStreamName(), refused.getReason());
        worker.execute(() -> {
            try {
                adopt(newer, region);
            } catch (Refusal | RuntimeException e) {
                log.debug("replication: not taking {}'s version of {}: {}", region, newer.name(), e.getMessage());
            }
        });
    }

    // ---- replica side ----

    /** Why an offer was not taken; {@link #newer} carries this hub's version when it is newer. */
    static final class Refusal extends Exception {
        private final transient StreamDefinition newer;

        Refusal(String message) {
            this(message, null);
        }

        Refusal(String message, StreamDefinition newer) {
            super(message);
            this.newer = newer;
        }

        Optional<StreamDefinition> newer() {
            return Optional.ofNullable(newer);
        }
    }

    /**
     * Takes the home's version of a stream: checks it, cuts every shard this hub holds past the forks of the
     * generations it missed (the records a former home accepted and never replicated, counted and logged as lost),
     * and records the version. Blocking.
     *
     * @throws Refusal when the offer is older than what this hub holds, does not list this region, or conflicts
     */
    synchronized StreamDefinition adopt(StreamDefinition offered, String fromRegion) throws Refusal {
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
                handingOver.put(
                        name,
                        new NotHome(
                                r.homeRegion(),
                                r.homeEndpoint(),
                                "stream " + name + " is moving to region " + r.homeRegion() + " at "
                                        + r.homeEndpoint()));
                stopIngest(name);
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
    void stopIngest(String stream) {
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

    LagBoard.Entry replicaLag(ShardKey key) {
        return replicaLags.computeIfAbsent(key, k -> {
            LagBoard.Entry[] self = new LagBoard.Entry[1];
            self[0] = lags.entry(k, region(), () -> self[0] == null ? 0 : self[0].homeNextSeen);
            self[0].state = "following";
            return self[0];
        });
    }

    // ---- promotion ----

    /**
     * Makes this hub the home of a stream it replicates: a new generation whose forks are this hub's high-water marks,
     * taken after every replicated append already queued is durable. Blocking.
     */
    public StreamDefinition promote(io.tributary.protocol.v1.PromoteStream request) {
        if (request.getGraceful()) {
            return handover.promoteGracefully(request.getStream());
        }
        return promote(request.getStream());
    }

    public synchronized StreamDefinition promote(String name) {
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
        handingOver.remove(name);
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

    // ---- for links and shippers ----

    String hubId() {
        return config.hubId();
    }

    /** Planned switchovers. */
    Handover handover() {
        return handover;
    }

    /** Where writes of a stream go while this hub hands it over (or is demoted): ingest's redirects. */
    Map<String, NotHome> handingOver() {
        return handingOver;
    }

    /** Epoch grants and group checkpoints that travel with the streams. */
    Carried carried() {
        return carried;
    }

    ReplicationConfig replicationConfig() {
        return config.replication();
    }

    ShardNotifier notifier() {
        return notifier;
    }

    ShardStore store() {
        return store;
    }

    StreamRegistry streams() {
        return streams;
    }

    ExecutorService worker() {
        return worker;
    }

    Clock clock() {
        return clock;
    }

    ReplicationMetrics metrics() {
        return metrics;
    }

    Watermarks watermarks() {
        return watermarks;
    }

    int maxFrameBytes() {
        return config.maxFrameBytes();
    }

    long windowBytes() {
        return config.replication().windowBytes();
    }

    long highWaterMark(ShardKey key) {
        try {
            return store.info(key).nextSequence();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Link states by region, for health and describe. */
    public Map<String, String> linkStates() {
        Map<String, String> out = new LinkedHashMap<>();
        new ArrayList<>(links.values()).forEach(l -> out.put(l.region(), l.state()));
        return out;
    }

    @Override
    public void close() {
        closed = true;
        links.values().forEach(ReplicaLink::close);
        links.clear();
        handover.close();
        resources.close();
    }
}
