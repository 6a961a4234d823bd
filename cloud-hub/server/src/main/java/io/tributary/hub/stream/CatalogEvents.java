package io.tributary.hub.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The listener events that take a hub from the version of a stream it knew to the one another hub wrote, so that a
 * change made elsewhere reaches {@link StreamRegistry.Listener}s as a local one would. Versions in between may have
 * been missed (a compacted catalog keeps only the newest), so the events describe the whole difference: shards new
 * since {@code known} are children (opened, even if already closed again), shards closed since are parents. A delete
 * is {@link StreamRegistry.Listener#onDeletedElsewhere}: the data is the deleting hub's to delete. Stateless.
 */
final class CatalogEvents {
    private CatalogEvents() {}

    /** The events from {@code known} to {@code now}, in the order to fire them; none when they are equal. */
    static List<Consumer<StreamRegistry.Listener>> between(
            Optional<StreamDefinition> known, Optional<StreamDefinition> now) {
        List<Consumer<StreamRegistry.Listener>> events = new ArrayList<>();
        if (known.equals(now)) {
            return events;
        }
        if (known.isEmpty()) {
            events.add(l -> l.onCreated(now.get()));
            return events;
        }
        StreamDefinition before = known.get();
        if (now.isEmpty()) {
            events.add(l -> l.onDeletedElsewhere(before));
            return events;
        }
        StreamDefinition after = now.get();
        if (!before.createdAt().equals(after.createdAt())) {
            // Deleted and created again under the same name while this hub was not looking.
            events.add(l -> l.onDeletedElsewhere(before));
            events.add(l -> l.onCreated(after));
            return events;
        }
        if (!before.shards().equals(after.shards())) {
            Reshard reshard = reshard(before, after);
            events.add(l -> l.onResharded(reshard));
        }
        if (!before.replication().equals(after.replication())
                || !before.retention().equals(after.retention())
                || before.keyMode() != after.keyMode()) {
            events.add(l -> l.onReplaced(Optional.of(before), after));
        }
        return events;
    }

    /** The difference of two versions' shards as one reshard. */
    static Reshard reshard(StreamDefinition before, StreamDefinition after) {
        List<ShardDefinition> closed = new ArrayList<>();
        List<ShardDefinition> children = new ArrayList<>();
        for (ShardDefinition shard : after.shards()) {
            Optional<ShardDefinition> was = before.shard(shard.id());
            if (was.isEmpty()) {
                children.add(shard);
            } else if (was.get().isOpen() && !shard.isOpen()) {
                closed.add(shard);
            }
        }
        return new Reshard(before, after, closed, children);
    }
}
