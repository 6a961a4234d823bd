package io.tributary.hub.store;

/**
 * The shard cannot serve the call: it is OFFLINE after an I/O error or corruption (the message names the cause),
 * it was never opened, or the store is closed. Not retriable by the store's caller as such; the local store reopens a
 * shard that a full disk or an I/O error took offline on its own once the cause is gone, so producers are told to
 * retry (a retriable NACK), while corrupt data waits for an operator. A store that several hubs share says that another
 * hub writes the shard with the subclass {@link ShardWrittenElsewhereException}.
 */
public class ShardUnavailableException extends ShardStoreException {
    public ShardUnavailableException(ShardKey shard, String reason, Throwable cause) {
        super(shard, "unavailable: " + reason, cause);
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
