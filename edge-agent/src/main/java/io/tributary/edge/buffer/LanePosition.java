package io.tributary.edge.buffer;

import io.tributary.protocol.v1.RecordId;

/**
 * A point in one lane's order. Within a lane, records are ordered by (epoch, sequence): epochs only grow, and
 * sequences are gap-free from 0 within an epoch, so this is the append order across restarts.
 */
public record LanePosition(long epoch, long sequence) implements Comparable<LanePosition> {

    /** Before every record of any epoch: read from here to get everything unreleased. */
    public static final LanePosition BEFORE_FIRST = new LanePosition(-1, -1);

    /** The position of a record id. */
    public static LanePosition of(RecordId id) {
        return new LanePosition(id.getAgentEpoch(), id.getSequence());
    }

    @Override
    public int compareTo(LanePosition o) {
        int c = Long.compare(epoch, o.epoch);
        return c != 0 ? c : Long.compare(sequence, o.sequence);
    }

    /** True when this position is strictly after {@code o}. */
    public boolean isAfter(LanePosition o) {
        return compareTo(o) > 0;
    }

    /** The later of the two positions. */
    public LanePosition max(LanePosition o) {
        return isAfter(o) ? this : o;
    }
}
