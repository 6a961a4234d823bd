package io.tributary.hub.store;

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
 */
public record ShardInfo(
        ShardKey key,
        long oldestSequence,
        long nextSequence,
        long retainedBytes,
        int segmentCount,
        ShardStatus status,
        String cause) {}
