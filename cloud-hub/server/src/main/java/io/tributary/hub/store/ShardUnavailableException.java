package io.tributary.hub.store;

/**
 * The shard cannot serve the call: it is OFFLINE after an I/O error or corruption (the message names the cause),
 * it was never opened, or the store is closed. Not retriable until an operator fixes the cause and reopens it.
 */
public final class ShardUnavailableException extends ShardStoreException {
    public ShardUnavailableException(ShardKey shard, String reason, Throwable cause) {
        super(shard, "unavailable: " + reason, cause);
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
