package io.tributary.edge.buffer;

import java.util.Locale;

/** Why a record accepted by (or offered to) the buffer will never reach the hub; the keys of the loss ledger. */
public enum LossReason {
    /** Unsent when its time to live ran out. */
    EXPIRED,
    /** Deleted unsent to make room under {@link OverflowPolicy#DROP_OLDEST} (or when nothing was left to roll up). */
    DROPPED,
    /** Replaced by an aggregate under {@link OverflowPolicy#AGGREGATE_OLDEST}; the aggregate itself is delivered. */
    ROLLED_UP,
    /**
     * Refused at append under {@link OverflowPolicy#REJECT_NEW} (or when only records on their way to the hub fill the
     * quota); the publisher was told (PUBACK 0x97).
     */
    REJECTED;

    /** The lower-case name used as the metric tag and the persisted ledger key. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
