package io.tributary.hub.group;

/**
 * The lease and checkpoint of one shard in one consumer group.
 *
 * <p>Thread rules: mutable, confined to the group thread of {@link GroupService}; {@link #checkpoint} is volatile so
 * that the metrics scrape may read it.
 */
final class ShardLease {
    /** Owner when nobody holds the lease. */
    static final String NONE = "";

    final String shardId;
    String owner = NONE;
    /** Fencing token of the current (or last) owner; grows by one each time the lease is granted. */
    long token;
    /** Everything up to and including this sequence is processed; -1 when nothing is. */
    volatile long checkpoint = -1;
    /** The member finished the (closed) shard: its children may be leased. */
    boolean ended;

    ShardLease(String shardId) {
        this.shardId = shardId;
    }

    boolean owned() {
        return !owner.equals(NONE);
    }
}
