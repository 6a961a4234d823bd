package io.tributary.hub.store;

/** A read asked for a sequence that retention already deleted; continue from {@link #oldestSequence()}. */
public final class TrimmedException extends ShardStoreException {
    private final long requestedSequence;
    private final long oldestSequence;

    public TrimmedException(ShardKey shard, long requestedSequence, long oldestSequence) {
        super(shard, "sequence " + requestedSequence + " was trimmed; oldest retained is " + oldestSequence, null);
        this.requestedSequence = requestedSequence;
        this.oldestSequence = oldestSequence;
    }

    public long requestedSequence() {
        return requestedSequence;
    }

    /** First sequence still retained. */
    public long oldestSequence() {
        return oldestSequence;
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
