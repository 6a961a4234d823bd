package io.tributary.hub.store;

/**
 * A replicated batch does not start at the shard's high-water mark (and is not a resend of a stored batch): storing it
 * would leave a gap or reorder the shard. Nothing was written. The follower asks its home again from {@link
 * #expected()}. Also the answer to a {@link ShardStore#truncate} from a sequence that is not a batch boundary or is
 * above the high-water mark: nothing was removed.
 */
public final class ReplicaSequenceException extends ShardStoreException {
    private final long expected;

    public ReplicaSequenceException(ShardKey shard, long baseSequence, long expected) {
        super(
                shard,
                "replicated batch starts at " + baseSequence + ", the shard's high-water mark is " + expected,
                null);
        this.expected = expected;
    }

    /** With a message of its own, for a refused {@link ShardStore#truncate}. */
    public ReplicaSequenceException(ShardKey shard, String message, long expected) {
        super(shard, message, null);
        this.expected = expected;
    }

    /** The shard's high-water mark: where the next replicated batch must start. */
    public long expected() {
        return expected;
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
