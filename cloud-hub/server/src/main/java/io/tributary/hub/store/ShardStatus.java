package io.tributary.hub.store;

/** Availability of one shard. */
public enum ShardStatus {
    /** Appends and reads are served. */
    ONLINE,
    /** An I/O error or corruption stopped the shard; see {@link ShardInfo#cause()}. Other shards are unaffected. */
    OFFLINE,
    /**
     * Another hub writes the shard (a store several hubs share, such as Pulsar's): appends here fail with {@link
     * ShardWrittenElsewhereException}, which names that hub; {@link ShardInfo#cause()} says so too, and its positions
     * may be -1 (unknown here). Not a failure: the store takes the shard over when that hub is gone.
     */
    WRITTEN_ELSEWHERE,
    /**
     * A copy of a shard another region writes (with {@code store=pulsar}, Pulsar's geo-replication fills it): reads
     * are served at the writer's sequences, as far as the copy arrived; appends fail with a retriable {@link
     * ShardUnavailableException}; {@link ShardInfo#cause()} says so. Not a failure: the region's hubs write it once
     * they are promoted.
     */
    REPLICA
}
