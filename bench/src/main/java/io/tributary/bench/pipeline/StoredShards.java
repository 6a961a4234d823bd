package io.tributary.bench.pipeline;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tributary.hub.store.ShardDigest;
import io.tributary.hub.store.ShardKey;
import io.tributary.hub.store.local.LocalShardStore;
import io.tributary.hub.store.local.LocalStoreConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a stopped hub stores of a stream, read from its segment files: per shard its {@link ShardDigest} (next sequence
 * and a SHA-256 of every stored batch). Two hubs whose digests are equal hold the same batches at the same sequence
 * numbers, byte for byte: what cross-region replication promises. Stateless.
 */
public final class StoredShards {
    private StoredShards() {}

    /**
     * {@code "<next sequence> <sha-256 hex>"} per shard of {@code stream} in the data directory of a hub that is not
     * running ({@code hubDataDir/shards}), in the order of {@code shardIds}.
     */
    public static Map<String, String> digest(Path hubDataDir, String stream, List<String> shardIds) {
        Map<String, String> out = new LinkedHashMap<>();
        try (LocalShardStore store = new LocalShardStore(
                LocalStoreConfig.builder(hubDataDir.resolve("shards")).build(),
                Clock.systemUTC(),
                new SimpleMeterRegistry())) {
            for (String shardId : shardIds) {
                ShardKey key = new ShardKey(stream, shardId);
                store.open(key);
                out.put(shardId, ShardDigest.of(store, key));
            }
        }
        return out;
    }
}
