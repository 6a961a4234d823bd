package io.tributary.edge.buffer;

/** What {@link DurableBuffer} does when an append would take its stored bytes past the disk quota. */
public enum OverflowPolicy {
    /** The new record is refused: its append completes with {@link AppendOutcome#QUOTA_EXCEEDED}. */
    REJECT_NEW,
    /** The oldest unsent chunks are deleted (counted as {@link LossReason#DROPPED}) until the new record fits. */
    DROP_OLDEST,
    /**
     * The oldest raw chunks are replaced by per-(device, metric, field, window) aggregates (the raw records are
     * counted as {@link LossReason#ROLLED_UP}); when no raw chunk is left, the oldest chunk is dropped.
     */
    AGGREGATE_OLDEST
}
