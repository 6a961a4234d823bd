package io.tributary.hub;

import io.tributary.hub.metrics.ShardGauges;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStore;
import io.tributary.hub.stream.Reshard;
import io.tributary.hub.stream.ShardDefinition;
import io.tributary.hub.stream.StreamDefinition;
import io.tributary.hub.stream.StreamRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the store's shards in step with the stream registry: opens (and publishes gauges of) every shard of every
 * stream at start and of every stream created or resharded later, and deletes the shards of a deleted stream. A shard
 * that cannot be opened stays offline (logged, shown by its gauges and {@code /health}); the hub serves the others.
 */
final class StreamShards implements StreamRegistry.Listener {
    private static final Logger log = LoggerFactory.getLogger(StreamShards.class);

    /** How long a stream's deletion waits for its shards' data to be deleted. */
    private static final Duration DELETE_WAIT = Duration.ofSeconds(60);

    private final ShardStore store;
    private final ShardGauges gauges;

    private StreamShards(ShardStore store, ShardGauges gauges) {
        this.store = store;
        this.gauges = gauges;
    }

    /** Opens every shard of {@code streams} and follows its changes; returns how many shards it opened. */
    static int follow(StreamRegistry streams, ShardStore store, ShardGauges gauges) {
        StreamShards s = new StreamShards(store, gauges);
        int opened = 0;
        for (StreamDefinition stream : streams.list()) {
            for (ShardDefinition shard : stream.shards()) {
                s.open(new ShardKey(stream.name(), shard.id()));
                opened++;
            }
        }
        streams.addListener(s);
        return opened;
    }

    @Override
    public void onCreated(StreamDefinition stream) {
        stream.shards().forEach(sh -> open(new ShardKey(stream.name(), sh.id())));
    }

    @Override
    public void onResharded(Reshard reshard) {
        reshard.children().forEach(sh -> open(new ShardKey(reshard.after().name(), sh.id())));
    }

    @Override
    public void onReplaced(java.util.Optional<StreamDefinition> before, StreamDefinition after) {
        // A replica took its home's version: it may be new here or have new shards.
        after.shards().stream()
                .filter(sh -> before.flatMap(b -> b.shard(sh.id())).isEmpty())
                .forEach(sh -> open(new ShardKey(after.name(), sh.id())));
    }

    /**
     * Deletes the shards' data and waits for it (bounded by {@link #DELETE_WAIT}): listeners run under the registry's
     * lock, so a stream created again under the same name cannot open its shards while the old ones' deletion is
     * still under way (on Pulsar, the topics' deletion would otherwise remove the new stream's topics).
     */
    @Override
    public void onDeleted(StreamDefinition stream) {
        List<CompletableFuture<Void>> deletions = new ArrayList<>();
        for (ShardDefinition sh : stream.shards()) {
            ShardKey key = new ShardKey(stream.name(), sh.id());
            deletions.add(store.delete(key).whenComplete((x, e) -> {
                if (e != null) {
                    log.warn("deleting shard {} failed: {}", key, e.toString());
                }
            }));
        }
        try {
            CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new))
                    .get(DELETE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // logged per shard above
        } catch (TimeoutException e) {
            log.warn(
                    "stream {}: its shards' deletion still runs after {}; a stream created again under its name now"
                            + " may lose data",
                    stream.name(),
                    DELETE_WAIT);
        }
    }

    /** The deleting hub deletes the data (perhaps already a new stream's of the same name): only let go of it here. */
    @Override
    public void onDeletedElsewhere(StreamDefinition stream) {
        stream.shards().forEach(sh -> {
            ShardKey key = new ShardKey(stream.name(), sh.id());
            store.release(key).whenComplete((x, e) -> {
                if (e != null) {
                    log.warn("releasing shard {} of a stream another hub deleted: {}", key, e.toString());
                }
            });
        });
    }

    private void open(ShardKey key) {
        try {
            store.open(key);
        } catch (RuntimeException e) {
            log.error("shard {} is offline: {}", key, e.getMessage());
        }
        gauges.register(key);
    }
}
