package io.tributary.hub.store;

/** Base of the errors a {@link ShardStore} reports, directly or through a failed future. */
public abstract class ShardStoreException extends RuntimeException {
    private final ShardKey shard;

    protected ShardStoreException(ShardKey shard, String message, Throwable cause) {
        super(shard + ": " + message, cause);
        this.shard = shard;
    }

    /** The shard the error concerns. */
    public ShardKey shard() {
        return shard;
    }

    /** True when the same call may succeed later without any change by the caller (back off and retry). */
    public abstract boolean retriable();
}
