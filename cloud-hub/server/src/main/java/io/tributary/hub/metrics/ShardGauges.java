package io.tributary.hub.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.tributary.hub.store.ShardInfo;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.ShardStatus;
import io.tributary.hub.store.ShardStore;

/**
 * Publishes each shard's retained bytes, oldest and next sequence, online status and whether another hub writes it as
 * gauges ({@code
 * tributary_shard_*}). A shard the store cannot describe reads as offline with -1 positions. Thread-safe.
 */
public final class ShardGauges {
    private final MeterRegistry registry;
    private final ShardStore store;

    public ShardGauges(MeterRegistry registry, ShardStore store) {
        this.registry = registry;
        this.store = store;
    }

    /** Registers the gauges of {@code key} (again is harmless: the registry keeps the first). */
    public void register(ShardKey key) {
        Tags tags = Tags.of("stream", key.stream(), "shard", key.shardId());
        Gauge.builder("tributary.shard.retained.bytes", store, s -> safe(s, key).retainedBytes())
                .tags(tags)
                .description("Bytes held by the shard's segments (-1 when the store cannot say)")
                .register(registry);
        Gauge.builder(
                        "tributary.shard.oldest.sequence",
                        store,
                        s -> safe(s, key).oldestSequence())
                .tags(tags)
                .description("Sequence of the oldest record retained (-1 when the store cannot say)")
                .register(registry);
        Gauge.builder("tributary.shard.next.sequence", store, s -> safe(s, key).nextSequence())
                .tags(tags)
                .description("Sequence the next record appended will get (-1 when the store cannot say)")
                .register(registry);
        Gauge.builder("tributary.shard.online", store, s -> safe(s, key).status() == ShardStatus.ONLINE ? 1 : 0)
                .tags(tags)
                .description("1 when the shard is online, 0 when offline or written by another hub")
                .register(registry);
        Gauge.builder(
                        "tributary.shard.written.elsewhere",
                        store,
                        s -> writtenElsewhere(safe(s, key).status()) ? 1 : 0)
                .tags(tags)
                .description("1 when another hub writes the shard (a store several hubs share; also in another region"
                        + " when this hub serves a replica of it), 0 otherwise")
                .register(registry);
    }

    private static boolean writtenElsewhere(ShardStatus status) {
        return status == ShardStatus.WRITTEN_ELSEWHERE || status == ShardStatus.REPLICA;
    }

    private static ShardInfo safe(ShardStore s, ShardKey key) {
        try {
            return s.info(key);
        } catch (RuntimeException e) {
            return new ShardInfo(key, -1, -1, -1, 0, ShardStatus.OFFLINE, String.valueOf(e.getMessage()), "");
        }
    }
}
