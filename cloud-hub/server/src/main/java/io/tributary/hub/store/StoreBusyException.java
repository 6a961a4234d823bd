package io.tributary.hub.store;

/** Backpressure: the shard's append queue is full. Retriable; the caller should slow down (for example stop reading). */
public final class StoreBusyException extends ShardStoreException {
    public StoreBusyException(ShardKey shard, int queueCapacity) {
        super(shard, "append queue full (" + queueCapacity + " pending)", null);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
