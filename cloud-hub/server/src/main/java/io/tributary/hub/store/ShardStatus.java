package io.tributary.hub.store;

/** Availability of one shard. */
public enum ShardStatus {
    /** Appends and reads are served. */
    ONLINE,
    /** An I/O error or corruption stopped the shard; see {@link ShardInfo#cause()}. Other shards are unaffected. */
    OFFLINE
}
