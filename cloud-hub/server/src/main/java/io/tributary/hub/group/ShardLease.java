package io.tributary.hub.group;

/**
 * The lease and checkpoint of one shard in one consumer group.
 *
 * <p>Thread rules: mutable, confined to the group thread of {@link GroupCoordinator}.
 */
final class ShardLease {
    /** Owner when nobody holds the lease. */
    static final String NONE = "";

    final String shardId;
    String owner = NONE;
    /** Fencing token of the current (or last) owner; grows by one each time the lease is granted. */
    long token;
    /**
     * The largest token known to be in the {@link CheckpointStore}. A grant is announced (LeaseAssignment) and honoured
     * ({@link GroupCoordinator#holds}) only once {@code token == durableToken}.
     */
    long durableToken;
    /** Everything up to and including this sequence is processed; -1 when nothing is. */
    long checkpoint = -1;
    /** The member finished the (closed) shard: its children may be leased. */
    boolean ended;

    ShardLease(String shardId) {
        this.shardId = shardId;
    }

    boolean owned() {
        return !owner.equals(NONE);
    }

    /** Owned, and the grant is durable. */
    boolean granted() {
        return owned() && token == durableToken;
    }
}
