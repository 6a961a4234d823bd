package io.tributary.hub.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.local.FileChannelFactory;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.MergeShards;
import io.tributary.protocol.v1.SplitShard;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's catalog of streams: create, describe, list, delete, split and merge, and the {@link ShardRouter} the
 * ingest path routes with.
 *
 * <p>Stored in a {@link StreamCatalog}: by default {@link StreamFileCatalog}, one file per stream under {@code
 * <dataDir>/streams/}; with {@code store=pulsar} a topic that every hub over the same Pulsar shares. {@link #open}
 * loads every stream and fails ({@link StreamException.Reason#CORRUPT} or {@code STORAGE}) rather than start without
 * one.
 *
 * <p>Changes: a mutation takes this registry's lock, then the catalog's cross-hub lock, and decides on the newest
 * version of the stream (which may be newer than this hub's snapshot), so hubs sharing a catalog never apply two
 * changes to the same old version. Changes other hubs make arrive after {@link #followCatalog()} and are published
 * and told to the listeners exactly like local ones ({@link CatalogEvents}).
 *
 * <p>Threads: mutations are serialized on one lock and made durable before they are published; readers
 * ({@link #router}, {@link #describe}, {@link #list}) take no lock and read an immutable snapshot through a volatile
 * reference, so the ingest hot path never blocks on admin work, disk or network. Listeners run on the mutating thread
 * (for other hubs' changes: the catalog's thread), in order, after the change is durable and published, with the lock
 * held: they must not call mutating methods.
 */
public final class StreamRegistry {

    /** Told of every change, to open and close shard directories. Exceptions are logged, never undo the change. */
    public interface Listener {
        default void onCreated(StreamDefinition stream) {}

        default void onDeleted(StreamDefinition stream) {}

        /**
         * Another hub sharing the catalog deleted the stream: that hub deletes its data, which may by now belong to
         * a stream created again under the same name, so a listener must not delete data here. By default {@link
         * #onDeleted}.
         */
        default void onDeletedElsewhere(StreamDefinition stream) {
            onDeleted(stream);
        }

        default void onResharded(Reshard reshard) {}

        /**
         * A stream's replication settings changed (ack level, promotion), or a replica adopted its home's version
         * ({@code before} empty when the stream is new here).
         */
        default void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {}
    }

    private static final Logger LOG = LoggerFactory.getLogger(StreamRegistry.class);

    private final StreamCatalog catalog;
    private final Clock clock;
    private final CatalogMeters meters;
    private final Object mutationLock = new Object();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, ShardRouter> snapshot;

    private StreamRegistry(
            StreamCatalog catalog, Clock clock, MeterRegistry registry, Map<String, StreamDefinition> loaded) {
        this.catalog = catalog;
        this.clock = clock;
        this.meters = new CatalogMeters(registry);
        Map<String, ShardRouter> routers = new HashMap<>();
        loaded.forEach((name, stream) -> routers.put(name, new ShardRouter(stream)));
        this.snapshot = Map.copyOf(routers);
    }

    /** Opens (creating if needed) the catalog under {@code <dataDir>/streams/} and loads every stream. */
    public static StreamRegistry open(Path dataDir, Clock clock) {
        return open(dataDir, clock, FileChannelFactory.DEFAULT);
    }

    /** As {@link #open(Path, Clock)}, writing stream files through channels {@code files} opens (tests inject faults). */
    static StreamRegistry open(Path dataDir, Clock clock, FileChannelFactory files) {
        return open(StreamFileCatalog.open(dataDir.resolve("streams"), files), clock);
    }

    /**
     * Loads every stream of {@code catalog}; the registry does not close the catalog.
     *
     * @throws StreamException when the catalog cannot be read ({@code STORAGE}) or holds an entry that does not
     *     decode ({@code CORRUPT}, naming every such entry)
     */
    public static StreamRegistry open(StreamCatalog catalog, Clock clock) {
        return open(catalog, clock, new SimpleMeterRegistry());
    }

    /**
     * As {@link #open(StreamCatalog, Clock)}, with the catalog's meters ({@code tributary_hub_catalog_*}) in {@code
     * registry}.
     */
    public static StreamRegistry open(StreamCatalog catalog, Clock clock, MeterRegistry registry) {
        Map<String, StreamDefinition> loaded = catalog.streams();
        LOG.info("Loaded {} stream(s) from {}", loaded.size(), catalog.describe());
        return new StreamRegistry(catalog, clock, registry, loaded);
    }

    /**
     * Starts publishing the changes other hubs make to the catalog, and catches up with those made since {@link
     * #open}. Call once, after the listeners that must see every change are added.
     */
    public void followCatalog() {
        catalog.follow(this::changedElsewhere);
        Set<String> names = new HashSet<>(snapshot.keySet());
        names.addAll(catalog.streams().keySet());
        names.forEach(this::changedElsewhere);
    }

    /** The catalog this registry keeps its streams in. */
    public StreamCatalog catalog() {
        return catalog;
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Creates a stream with {@code shardCount} open shards splitting the hash space evenly. */
    public StreamDefinition create(String name, KeyMode keyMode, Retention retention, int shardCount) {
        StreamDefinition.validateName(name);
        return createNew(name, () -> StreamDefinition.create(name, keyMode, retention, shardCount, now()));
    }

    /** {@link #create(String, KeyMode, Retention, int)} from the admin message, single-region. */
    public StreamDefinition create(CreateStream request) {
        return create(request, "", "");
    }

    /**
     * Creates a stream from the admin message; with replicas in it, homed in {@code homeRegion} whose hub is {@code
     * homeEndpoint}.
     */
    public StreamDefinition create(CreateStream request, String homeRegion, String homeEndpoint) {
        Map<String, String> replicas = new LinkedHashMap<>();
        request.getReplicasList().forEach(r -> {
            if (replicas.put(Replication.validateRegion(r.getRegion()), r.getEndpoint()) != null) {
                throw new StreamException(StreamException.Reason.INVALID, "replica region " + r.getRegion() + " twice");
            }
        });
        Replication replication = Replication.create(
                homeRegion, homeEndpoint, replicas, Replication.Ack.fromProto(request.getAckLevel()));
        StreamDefinition.validateName(request.getStream());
        return createNew(
                request.getStream(),
                () -> StreamDefinition.create(
                                request.getStream(),
                                KeyMode.fromProto(request.getKeyMode()),
                                Retention.of(request.getRetentionMs(), request.getRetentionBytes()),
                                request.getShardCount(),
                                now())
                        .withReplication(replication));
    }

    private StreamDefinition createNew(String name, Supplier<StreamDefinition> make) {
        return mutate(
                name,
                current -> {
                    if (current.isPresent()) {
                        throw new StreamException(StreamException.Reason.ALREADY_EXISTS, "stream " + name + " exists");
                    }
                    return make.get();
                },
                Optional::of,
                (before, stream) -> l -> l.onCreated(stream));
    }

    /**
     * Replaces a stream's replication settings with {@code change} applied to the current ones (ack level,
     * promotion); returns the new version.
     */
    public StreamDefinition updateReplication(String name, java.util.function.UnaryOperator<Replication> change) {
        return mutate(
                name,
                current -> {
                    StreamDefinition before = require(name, current);
                    return before.withReplication(change.apply(before.replication()));
                },
                Optional::of,
                (before, after) -> l -> l.onReplaced(before, after));
    }

    /**
     * Takes the home region's version of a stream as this hub's (a replica following its home). {@code check} sees
     * the current version (if any) under the mutation lock and may refuse by throwing.
     */
    public StreamDefinition adopt(StreamDefinition offered, Consumer<Optional<StreamDefinition>> check) {
        return mutate(
                offered.name(),
                current -> {
                    check.accept(current);
                    return offered;
                },
                Optional::of,
                (before, after) -> l -> l.onReplaced(before, after));
    }

    /** The current version of a stream, or {@link StreamException.Reason#NOT_FOUND}. Lock-free. */
    public StreamDefinition describe(String name) {
        return router(name).stream();
    }

    /** The current version of a stream, if it exists. Lock-free. */
    public Optional<StreamDefinition> find(String name) {
        return Optional.ofNullable(name == null ? null : snapshot.get(name)).map(ShardRouter::stream);
    }

    /** Every stream, by name. Lock-free. */
    public List<StreamDefinition> list() {
        return snapshot.values().stream()
                .map(ShardRouter::stream)
                .sorted(Comparator.comparing(StreamDefinition::name))
                .toList();
    }

    /** The router of a stream's current version, or {@link StreamException.Reason#NOT_FOUND}. Lock-free. */
    public ShardRouter router(String name) {
        ShardRouter router = name == null ? null : snapshot.get(name);
        if (router == null) {
            throw new StreamException(StreamException.Reason.NOT_FOUND, "no stream " + name);
        }
        return router;
    }

    /** Deletes a stream's metadata and returns its last version; listeners remove its data. */
    public StreamDefinition delete(String name) {
        return mutate(
                name,
                current -> require(name, current),
                stream -> Optional.empty(),
                (before, stream) -> l -> l.onDeleted(stream));
    }

    /** Splits an open shard at {@code splitHash} (first hash of the upper child), or its middle when empty. */
    public Reshard split(String stream, String shardId, OptionalLong splitHash) {
        return reshard(stream, current -> Reshard.split(require(stream, current), shardId, splitHash, now()));
    }

    /** {@link #split(String, String, OptionalLong)} from the admin message; {@code split_hash} 0 means the middle. */
    public Reshard split(SplitShard request) {
        long hash = request.getSplitHash();
        return split(
                request.getStream(), request.getShardId(), hash == 0 ? OptionalLong.empty() : OptionalLong.of(hash));
    }

    /** Merges two adjacent open shards into one. */
    public Reshard merge(String stream, String shardId, String adjacentShardId) {
        return reshard(stream, current -> Reshard.merge(require(stream, current), shardId, adjacentShardId, now()));
    }

    /** {@link #merge(String, String, String)} from the admin message. */
    public Reshard merge(MergeShards request) {
        return merge(request.getStream(), request.getShardId(), request.getAdjacentShardId());
    }

    private Reshard reshard(String stream, Function<Optional<StreamDefinition>, Reshard> make) {
        return mutate(stream, make, r -> Optional.of(r.after()), (before, r) -> l -> l.onResharded(r));
    }

    private static StreamDefinition require(String name, Optional<StreamDefinition> current) {
        return current.orElseThrow(() -> new StreamException(StreamException.Reason.NOT_FOUND, "no stream " + name));
    }

    /**
     * One local change: under the registry's lock and the catalog's cross-hub lock, {@code decide} sees the newest
     * version of the stream and returns the result (or throws to refuse); {@code written} is the version the result
     * stores (empty: delete). Once durable, a newer version read from the catalog is first published as another hub's
     * change, then the result, and {@code event} is told to the listeners.
     */
    private <T> T mutate(
            String name,
            Function<Optional<StreamDefinition>, T> decide,
            Function<T, Optional<StreamDefinition>> written,
            BiFunction<Optional<StreamDefinition>, T, Consumer<Listener>> event) {
        synchronized (mutationLock) {
            List<T> result = new ArrayList<>(1);
            StreamCatalog.Change change;
            Timer.Sample took = Timer.start();
            try {
                change = catalog.update(name, current -> {
                    T r = decide.apply(current);
                    result.add(r);
                    Optional<StreamDefinition> after = written.apply(r);
                    if (after.isPresent() && !after.get().name().equals(name)) {
                        throw new IllegalArgumentException("a change of stream " + name + " wrote "
                                + after.get().name());
                    }
                    return after;
                });
            } catch (StreamException e) {
                if (e.reason() == StreamException.Reason.STORAGE) {
                    meters.failed();
                }
                throw e;
            } finally {
                took.stop(meters.change());
            }
            T r = result.get(0);
            catchUp(name, change.before());
            if (change.changed()) {
                meters.madeHere();
                setSnapshot(name, change.after());
                fire(event.apply(change.before(), r));
            }
            return r;
        }
    }

    /** The catalog says another hub changed {@code name}: publish its newest version and tell the listeners. */
    private void changedElsewhere(String name) {
        synchronized (mutationLock) {
            Optional<StreamDefinition> now;
            try {
                now = catalog.current(name);
            } catch (StreamException e) {
                LOG.error(
                        "stream {} changed on another hub but its catalog entry is unreadable; keeping the version"
                                + " this hub has: {}",
                        name,
                        e.getMessage());
                return;
            }
            catchUp(name, now);
        }
    }

    /** Publishes {@code now} if this hub's version of {@code name} is another, with the events between. Lock held. */
    private void catchUp(String name, Optional<StreamDefinition> now) {
        Optional<StreamDefinition> known = find(name);
        if (known.equals(now)) {
            return;
        }
        LOG.info(
                "stream {} changed on another hub: {}",
                name,
                now.map(s -> s.openShards().size() + " open of " + s.shards().size() + " shards")
                        .orElse("deleted"));
        meters.madeElsewhere();
        setSnapshot(name, now);
        CatalogEvents.between(known, now).forEach(this::fire);
    }

    private void setSnapshot(String name, Optional<StreamDefinition> stream) {
        Map<String, ShardRouter> next = new HashMap<>(snapshot);
        stream.ifPresentOrElse(s -> next.put(name, new ShardRouter(s)), () -> next.remove(name));
        snapshot = Map.copyOf(next);
    }

    private void fire(Consumer<Listener> event) {
        for (Listener listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException e) {
                LOG.error("Stream listener {} failed; the metadata change stands", listener, e);
            }
        }
    }

    private Instant now() {
        // Whole milliseconds: what the file stores, so a reloaded stream equals the one in memory.
        return Instant.ofEpochMilli(clock.millis());
    }
}
