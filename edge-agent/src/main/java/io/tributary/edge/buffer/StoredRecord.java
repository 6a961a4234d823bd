package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Record;

/**
 * One record inside a chunk, with the buffer's own bookkeeping that does not travel to the hub.
 *
 * @param record the record, id included
 * @param expireAtMs when it expires unsent (clock millis), or {@link #NEVER}
 */
record StoredRecord(Record record, long expireAtMs) {

    static final long NEVER = Long.MAX_VALUE;

    LanePosition position() {
        return LanePosition.of(record.getId());
    }

    boolean isExpired(long nowMs) {
        return expireAtMs <= nowMs;
    }
}
