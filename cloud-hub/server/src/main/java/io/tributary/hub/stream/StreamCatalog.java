package io.tributary.hub.stream;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Where {@link StreamRegistry} keeps its streams: the hub's catalog storage SPI. The registry serves reads from its own
 * snapshot and calls the catalog only to load, to change a stream, and to learn of changes other hubs made.
 *
 * <p>Implementations: {@link StreamFileCatalog} (a hub's data dir, the default; one hub per catalog) and, in the
 * module {@code store-pulsar}, a compacted Pulsar topic that several hubs share. A {@code ShardStoreProvider} chooses
 * it, so a hub keeps its catalog where its store keeps shards.
 *
 * <p><b>Mutations are serialised across every hub that shares the catalog.</b> {@link #update} takes the catalog's
 * cross-hub lock, reads the newest version of the stream, lets the caller decide, writes durably, and releases the
 * lock: two hubs creating the same stream give one success and one {@code ALREADY_EXISTS}; a split on one hub and a
 * merge on another never both apply to the same old version.
 *
 * <p>Threads: all methods are thread-safe. {@link #update} blocks (disk or network, bounded by the implementation's
 * timeouts). The follower of {@link #follow} is called on a catalog thread, one call at a time.
 */
public interface StreamCatalog extends AutoCloseable {

    /**
     * What one {@link #update} did.
     *
     * @param before the newest version before the change, as read under the cross-hub lock (empty: no such stream)
     * @param after the version written (empty: deleted); equal to {@code before} when nothing was written
     */
    record Change(Optional<StreamDefinition> before, Optional<StreamDefinition> after) {
        /** Whether the update wrote anything. */
        public boolean changed() {
            return !before.equals(after);
        }
    }

    /**
     * Every stream the catalog holds now, by name. The registry calls it when it opens, and to catch up.
     *
     * @throws StreamException {@link StreamException.Reason#CORRUPT} naming every entry that does not decode, {@link
     *     StreamException.Reason#STORAGE} when the catalog cannot be read
     */
    Map<String, StreamDefinition> streams();

    /**
     * The newest version of one stream this catalog has read; no lock, no I/O.
     *
     * @throws StreamException {@link StreamException.Reason#CORRUPT} when its entry does not decode
     */
    Optional<StreamDefinition> current(String stream);

    /**
     * Changes one stream under the cross-hub lock. {@code change} is called exactly once, with the newest version
     * (empty: no such stream), and returns the version to write (empty: delete); it may throw a {@link
     * StreamException} to refuse, and then nothing is written. Returning its argument writes nothing.
     *
     * @throws StreamException what {@code change} threw; {@link StreamException.Reason#STORAGE} when the lock could
     *     not be taken in time or the write was not confirmed durable — then the change is not applied here (a write
     *     whose confirmation was lost may still appear later, through {@link #follow}, like any other hub's change)
     */
    Change update(String stream, UnaryOperator<Optional<StreamDefinition>> change);

    /**
     * Starts telling {@code follower} the name of every stream another hub changes, after the change is durable, in
     * the order the catalog has them; {@link #current} then returns the new version. Called once. A catalog that no
     * other hub shares never calls it.
     */
    void follow(Consumer<String> follower);

    /**
     * What is wrong with the catalog now (for {@code /health}), empty when nothing is: e.g. it no longer follows other
     * hubs' changes. Empty unless overridden.
     */
    default List<String> problems() {
        return List.of();
    }

    /** Where the catalog lives, for logs: a directory, a topic. */
    String describe();

    /** Stops following and releases the catalog's resources. Idempotent. */
    @Override
    void close();
}
