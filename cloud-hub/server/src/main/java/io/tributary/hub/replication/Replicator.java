package io.tributary.hub.replication;

import io.micrometer.core.instrument.MeterRegistry;
import io.tributary.hub.client.core.ClientResources;
import io.tributary.hub.client.core.HubEndpoint;
import io.tributary.hub.config.HubConfig;
import io.tributary.hub.config.ReplicationConfig;
import io.tributary.hub.epoch.GrantTable;
import io.tributary.hub.group.CheckpointStore;
import io.tributary.hub.ingest.ReplicationGate;
import io.tributary.hub.server.FrameService;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.Replication;
import io.tributary.hub.stream.Reshard;
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
    private final GrantTable grants;
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

    private final ReplicaInbound inbound = new ReplicaInbound(this);
    private final Carried carried;
    private final Handover handover = new Handover(this);
    private final RoleChanges roles;
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
            GrantTable grants,
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
        this.roles = new RoleChanges(this);
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
        if (roles.changing(stream.name())) {
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
        return roles.changing(stream);
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

    /**
     * Takes the home's version of a stream ({@link RoleChanges#adopt}); serialized with {@link #promote} by this monitor.
     * Blocking.
     */
    synchronized StreamDefinition adopt(StreamDefinition offered, String fromRegion) throws Refusal {
        return roles.adopt(offered, fromRegion);
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

    /**
     * Makes this hub the home of a stream it replicates ({@link RoleChanges#promote}); serialized with {@link #adopt}
     * by this monitor. Blocking.
     */
    public synchronized StreamDefinition promote(String name) {
        return roles.promote(name);
    }

    /** Waits until every append queued to the shard's writer so far is done. */
    void writerBarrier(ShardKey key) {
        roles.writerBarrier(key);
    }

    /** Waits until no batch that passed ingest's home check can still reach the store unqueued. */
    void stopIngest(String stream) {
        roles.stopIngest(stream, ingestBarrier);
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
