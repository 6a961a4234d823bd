package io.tributary.edge.forward;

import io.tributary.edge.buffer.LanePosition;
import io.tributary.protocol.v1.Frame;

/**
 * A batch sent on the current connection and not yet acknowledged: a contiguous run of one lane and epoch.
 *
 * <p>Thread rules: forwarder thread only.
 */
final class OutboundBatch {
    final long batchId;
    final String lane;
    final LanePosition last;
    final int records;
    /** Serialized size of its records, what the buffer holds for it (about: chunks add a few bytes a record). */
    final long bytes;

    final Frame frame;
    final long sentNanos;
    boolean acked;

    OutboundBatch(long batchId, String lane, LanePosition last, int records, long bytes, Frame frame, long sentNanos) {
        this.batchId = batchId;
        this.lane = lane;
        this.last = last;
        this.records = records;
        this.bytes = bytes;
        this.frame = frame;
        this.sentNanos = sentNanos;
    }
}
