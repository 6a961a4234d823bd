package io.tributary.edge.buffer;

import io.tributary.protocol.v1.Record;

/**
 * A record read back from the buffer for the forwarder: the record (with its original id) and its encoded size.
 *
 * @param record the record as stored, id included
 * @param serializedSize {@code record.getSerializedSize()}, the bytes it costs in a batch
 */
public record BufferedRecord(Record record, int serializedSize) {

    /** The record's position in its lane, for cursors and release. */
    public LanePosition position() {
        return LanePosition.of(record.getId());
    }
}
