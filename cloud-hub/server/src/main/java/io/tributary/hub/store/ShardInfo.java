package io.tributary.hub.store;

import java.util.Objects;

/**
 * A point-in-time description of one shard.
 *
 * @param key the shard
 * @param oldestSequence first sequence still retained (equals {@code nextSequence} when the shard is empty)
 * @param nextSequence sequence the next appended record will get (the high-water mark: all below it is durable)
 * @param retainedBytes bytes held by the shard's segments
 * @param segmentCount number of segments
 * @param status ONLINE or OFFLINE
 * @param cause why the shard is OFFLINE; empty when ONLINE
 * @param writer who writes the shard, for people, as a store several hubs share names its writers (Pulsar's: {@code
 *     HOST:PORT (run R)}, the same on every hub, this store's own name when ONLINE); empty when the store does not
 *     name writers (the local store: its hub writes every shard it holds) or does not know the writer
 */
public record ShardInfo(
        ShardKey key,
        long oldestSequence,
        long nextSequence,
        long retainedBytes,
        int segmentCount,
        ShardStatus status,
        String cause,
        String writer) {

    /** Checks that {@code writer} is given ("" when unknown). */
    public ShardInfo {
        Objects.requireNonNull(writer, "writer");
    }
}
