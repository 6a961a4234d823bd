package io.tributary.hub.stream;

import io.tributary.hub.store.local.FileChannelFactory;
import io.tributary.protocol.v1.CreateStream;
import io.tributary.protocol.v1.MergeShards;
import io.tributary.protocol.v1.SplitShard;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's durable catalog of streams: create, describe, list, delete, split and merge, and the {@link ShardRouter}
 * the ingest path routes with.
 *
 * <p>On disk: one {@link StreamFile} per stream under {@code <dataDir>/streams/}, replaced atomically on every change.
 * {@link #open} loads them all and fails with {@link StreamException.Reason#CORRUPT}, naming every bad file, rather
 * than start without a stream; leftover {@code .tmp} files are uncommitted writes and are removed.
 *
 * <p>Threads: mutations are serialized on one lock and made durable before they are published; readers
 * ({@link #router}, {@link #describe}, {@link #list}) take no lock and read an immutable snapshot through a volatile
 * reference, so the ingest hot path never blocks on admin work or disk. Listeners run on the mutating thread, in
 * order, after the change is durable and published, with the lock held: they must not call mutating methods.
 */
public final class StreamRegistry {

    /** Told of every change, to open and close shard directories. Exceptions are logged, never undo the change. */
    public interface Listener {
        default void onCreated(StreamDefinition stream) {}

        default void onDeleted(StreamDefinition stream) {}

        default void onResharded(Reshard reshard) {}

        /**
         * A stream's replication settings changed (ack level, promotion), or a replica adopted its home's version
         * ({@code before} empty when the stream is new here).
         */
        default void onReplaced(Optional<StreamDefinition> before, StreamDefinition after) {}
    }

    private static final Logger LOG = LoggerFactory.getLogger(StreamRegistry.class);

    private final Path dir;
    private final Clock clock;
    private final FileChannelFactory files;
    private final Object mutationLock = new Object();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, ShardRouter> snapshot;

    private StreamRegistry(Path dir, Clock clock, FileChannelFactory files, Map<String, ShardRouter> loaded) {
        this.dir = dir;
        this.clock = clock;
        this.files = files;
        this.snapshot = Map.copyOf(loaded);
    }

    /** Opens (creating if needed) the catalog under {@code <dataDir>/streams/} and loads every stream. */
    public static StreamRegistry open(Path dataDir, Clock clock) {
        return open(dataDir, clock, FileChannelFactory.DEFAULT);
    }

    /** As {@link #open(Path, Clock)}, writing stream files through channels {@code files} opens (tests inject faults). */
    static StreamRegistry open(Path dataDir, Clock clock, FileChannelFactory files) {
        Path dir = dataDir.resolve("streams");
        Map<String, ShardRouter> loaded = new HashMap<>();
        List<String> problems = new ArrayList<>();
        try {
            io.tributary.protocol.fs.DurableDirs.create(dir);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path file : entries) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(StreamFile.TEMP_SUFFIX)) {
                        LOG.warn("Removing uncommitted stream metadata write {}", file);
                        Files.delete(file);
                    } else if (name.endsWith(StreamFile.SUFFIX)) {
                        try {
                            StreamDefinition stream = StreamFile.read(file);
                            loaded.put(stream.name(), new ShardRouter(stream));
                        } catch (StreamException e) {
                            problems.add(e.getMessage());
                        }
                    } else {
                        LOG.warn("Ignoring unexpected file {} in stream catalog", file);
                    }
                }
            }
            StreamFile.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new StreamException(StreamException.Reason.STORAGE, "cannot load streams from " + dir, e);
        }
        if (!problems.isEmpty()) {
            throw new StreamException(
                    StreamException.Reason.CORRUPT,
                    problems.size() + " stream file(s) unreadable; restore or move them aside: "
                            + String.join("; ", problems));
        }
        LOG.info("Loaded {} stream(s) from {}", loaded.size(), dir);
        return new StreamRegistry(dir, clock, files, loaded);
    }

    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    /** Creates a stream with {@code shardCount} open shards splitting the hash space evenly. */
    public StreamDefinition create(String name, KeyMode keyMode, Retention retention, int shardCount) {
        StreamDefinition.validateName(name);
        synchronized (mutationLock) {
            if (snapshot.containsKey(name)) {
                throw new StreamException(StreamException.Reason.ALREADY_EXISTS, "stream " + name + " exists");
            }
            StreamDefinition stream = StreamDefinition.create(name, keyMode, retention, shardCount, now());
            publish(stream);
            fire(l -> l.onCreated(stream));
            return stream;
        }
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
        synchronized (mutationLock) {
            if (snapshot.containsKey(request.getStream())) {
                throw new StreamException(
                        StreamException.Reason.ALREADY_EXISTS, "stream " + request.getStream() + " exists");
            }
            StreamDefinition stream = StreamDefinition.create(
                            request.getStream(),
                            KeyMode.fromProto(request.getKeyMode()),
                            Retention.of(request.getRetentionMs(), request.getRetentionBytes()),
                            request.getShardCount(),
                            now())
                    .withReplication(replication);
            publish(stream);
            fire(l -> l.onCreated(stream));
            return stream;
        }
    }

    /**
     * Replaces a stream's replication settings with {@code change} applied to the current ones (ack level,
     * promotion); returns the new version.
     */
    public StreamDefinition updateReplication(String name, java.util.function.UnaryOperator<Replication> change) {
        synchronized (mutationLock) {
            StreamDefinition before = describe(name);
            StreamDefinition after = before.withReplication(change.apply(before.replication()));
            publish(after);
            fire(l -> l.onReplaced(Optional.of(before), after));
            return after;
        }
    }

    /**
     * Takes the home region's version of a stream as this hub's (a replica following its home). {@code check} sees
     * the current version (if any) under the mutation lock and may refuse by throwing.
     */
    public StreamDefinition adopt(StreamDefinition offered, Consumer<Optional<StreamDefinition>> check) {
        synchronized (mutationLock) {
            Optional<StreamDefinition> before = find(offered.name());
            check.accept(before);
            if (before.isPresent() && before.get().equals(offered)) {
                return offered;
            }
            publish(offered);
            fire(l -> l.onReplaced(before, offered));
            return offered;
        }
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
        synchronized (mutationLock) {
            StreamDefinition stream = describe(name);
            try {
                StreamFile.delete(dir, name);
            } catch (IOException e) {
                throw new StreamException(StreamException.Reason.STORAGE, "cannot delete stream " + name, e);
            }
            Map<String, ShardRouter> next = new HashMap<>(snapshot);
            next.remove(name);
            snapshot = Map.copyOf(next);
            fire(l -> l.onDeleted(stream));
            return stream;
        }
    }

    /** Splits an open shard at {@code splitHash} (first hash of the upper child), or its middle when empty. */
    public Reshard split(String stream, String shardId, OptionalLong splitHash) {
        synchronized (mutationLock) {
            return reshard(Reshard.split(describe(stream), shardId, splitHash, now()));
        }
    }

    /** {@link #split(String, String, OptionalLong)} from the admin message; {@code split_hash} 0 means the middle. */
    public Reshard split(SplitShard request) {
        long hash = request.getSplitHash();
        return split(
                request.getStream(), request.getShardId(), hash == 0 ? OptionalLong.empty() : OptionalLong.of(hash));
    }

    /** Merges two adjacent open shards into one. */
    public Reshard merge(String stream, String shardId, String adjacentShardId) {
        synchronized (mutationLock) {
            return reshard(Reshard.merge(describe(stream), shardId, adjacentShardId, now()));
        }
    }

    /** {@link #merge(String, String, String)} from the admin message. */
    public Reshard merge(MergeShards request) {
        return merge(request.getStream(), request.getShardId(), request.getAdjacentShardId());
    }

    private Reshard reshard(Reshard reshard) {
        publish(reshard.after());
        fire(l -> l.onResharded(reshard));
        return reshard;
    }

    /** Writes a stream version durably, then makes it visible. Caller holds the mutation lock. */
    private void publish(StreamDefinition stream) {
        try {
            StreamFile.write(dir, stream, files);
        } catch (IOException e) {
            throw new StreamException(StreamException.Reason.STORAGE, "cannot write stream " + stream.name(), e);
        }
        Map<String, ShardRouter> next = new HashMap<>(snapshot);
        next.put(stream.name(), new ShardRouter(stream));
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
