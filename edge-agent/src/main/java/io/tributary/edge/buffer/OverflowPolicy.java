package io.tributary.edge.buffer;

/** What {@link DurableBuffer} does when an append would take its stored bytes past the disk quota. */
public enum OverflowPolicy {
    /** The new record is refused: its append completes with {@link AppendOutcome#QUOTA_EXCEEDED}. */
    REJECT_NEW,
    /**
     * The oldest unsent chunks are deleted (counted as {@link LossReason#DROPPED}) until the new record fits. Records
     * on their way to the hub ({@link DurableBuffer#readForDelivery}) are kept, as they may still arrive; should only
     * those be left, the new record is refused as under {@link #REJECT_NEW}.
     */
    DROP_OLDEST,
    /**
     * The oldest raw chunks are replaced by per-(device, metric, field, window) aggregates (the raw records are
     * counted as {@link LossReason#ROLLED_UP}); when no raw chunk is left, the oldest chunk is dropped. Records on their
     * way to the hub are kept, as under {@link #DROP_OLDEST}.
     */
    AGGREGATE_OLDEST
}
