package io.tributary.hub.stream;

import java.util.List;

/**
 * Routes records of one stream version to its open shards: hashes the partition key with {@link PartitionKeys} and
 * finds the open shard whose range holds the hash by binary search over the range starts (unsigned order).
 *
 * <p>Immutable and lock-free: built once per stream version by the registry, then shared by every ingest thread.
 * A router for an old version keeps routing to that version's shards; fetch a fresh one per batch from
 * {@link StreamRegistry#router(String)} to follow reshards.
 */
public final class ShardRouter {

    private final StreamDefinition stream;
    private final long[] starts;
    private final ShardDefinition[] shards;

    public ShardRouter(StreamDefinition stream) {
        this.stream = stream;
        List<ShardDefinition> open = stream.openShards().stream()
                .sorted((a, b) ->
                        Long.compareUnsigned(a.range().start(), b.range().start()))
                .toList();
        this.shards = open.toArray(ShardDefinition[]::new);
        this.starts = open.stream().mapToLong(s -> s.range().start()).toArray();
    }

    public StreamDefinition stream() {
        return stream;
    }

    /** The open shard for a record from {@code device} in {@code group}, by the stream's {@link KeyMode}. */
    public ShardDefinition route(String group, String device) {
        return routeKey(stream.keyMode().partitionKey(group, device));
    }

    /** The open shard for a ready-made partition key. */
    public ShardDefinition routeKey(String partitionKey) {
        return routeHash(PartitionKeys.hash(partitionKey));
    }

    /** The open shard whose range holds {@code hash} (unsigned). */
    public ShardDefinition routeHash(long hash) {
        // Last start <= hash. starts[0] is 0 and the ranges are contiguous (a StreamDefinition invariant), so the
        // answer always exists.
        int lo = 0;
        int hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Long.compareUnsigned(starts[mid], hash) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return shards[lo];
    }
}
