package io.tributary.hub.client;

/**
 * Where an acknowledged record lives.
 *
 * @param shardId the shard that stored it
 * @param sequence its sequence number in that shard
 * @param duplicate whether the hub had already stored it (a retry), in which case these are the first copy's
 *     coordinates
 */
public record PutResult(String shardId, long sequence, boolean duplicate) {}
